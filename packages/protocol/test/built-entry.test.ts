import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The protocol package must load in a browser: its built entries may import nothing but zod.
const dist = join(import.meta.dirname, '..', 'dist');
const ALLOWED = new Set(['zod']);

/** Every module specifier a built file imports or requires. */
export function importedSpecifiers(source: string): string[] {
  const patterns = [
    /\bimport\s+(?:[^'"();]*?\s+from\s+)?["']([^"']+)["']/g,
    /\bexport\s+[^'"();]*?\s+from\s+["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  const found = new Set<string>();
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) {
      if (match[1]) found.add(match[1]);
    }
  }
  return [...found];
}

describe('built entry', () => {
  it.each(['index.js', 'index.cjs'])('%s imports only zod', (file) => {
    const path = join(dist, file);
    expect(existsSync(path), `${path} missing: the test script builds first`).toBe(true);
    const specifiers = importedSpecifiers(readFileSync(path, 'utf8'));
    expect(specifiers.length).toBeGreaterThan(0);
    const forbidden = specifiers.filter((s) => !ALLOWED.has(s) && !s.startsWith('zod/'));
    expect(forbidden).toStrictEqual([]);
  });

  it('the scanner catches node and ws imports', () => {
    const sample = `import fs from "node:fs";\nconst ws = require('ws');\nexport { x } from "zod";`;
    expect(importedSpecifiers(sample).sort()).toStrictEqual(['node:fs', 'ws', 'zod']);
  });
});
