import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  combineInstructions,
  discoverProjectDocs,
  findGitRoot,
} from '../src/config/project-doc.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'codex-docs-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('discoverProjectDocs', () => {
  it('reads AGENTS.md from the git root down to cwd, and the global one from CODEX_HOME', async () => {
    const repo = join(root, 'repo');
    const sub = join(repo, 'pkg', 'deep');
    const home = join(root, 'home');
    mkdirSync(join(repo, '.git'), { recursive: true });
    mkdirSync(sub, { recursive: true });
    mkdirSync(home);
    writeFileSync(join(root, 'AGENTS.md'), 'outside the repo: never read');
    writeFileSync(join(repo, 'AGENTS.md'), 'root rules');
    writeFileSync(join(repo, 'pkg', 'AGENTS.md'), 'package rules');
    writeFileSync(join(home, 'AGENTS.md'), '  global rules\n');
    expect(await findGitRoot(sub)).toBe(repo);
    const docs = await discoverProjectDocs({ cwd: sub, codexHome: home });
    expect(docs).toEqual({
      userInstructions: 'global rules',
      projectDoc: 'root rules\n\npackage rules',
      sources: [join(home, 'AGENTS.md'), join(repo, 'AGENTS.md'), join(repo, 'pkg', 'AGENTS.md')],
      truncated: false,
    });
    expect(combineInstructions(docs)).toBe(
      'global rules\n\n--- project-doc ---\n\nroot rules\n\npackage rules',
    );
  });

  it('caps the project docs at project_doc_max_bytes without splitting a character', async () => {
    mkdirSync(join(root, '.git'));
    writeFileSync(join(root, 'AGENTS.md'), 'ééééé'); // 10 bytes
    const docs = await discoverProjectDocs({ cwd: root, maxBytes: 5 });
    expect(docs.projectDoc).toBe('éé');
    expect(docs.truncated).toBe(true);
    expect((await discoverProjectDocs({ cwd: root, maxBytes: 0 })).projectDoc).toBeNull();
  });

  it('uses only cwd outside a repository', async () => {
    const dir = join(root, 'a');
    mkdirSync(dir);
    writeFileSync(join(dir, 'AGENTS.md'), 'here');
    const docs = await discoverProjectDocs({ cwd: dir });
    expect(docs.projectDoc).toBe('here');
  });
});
