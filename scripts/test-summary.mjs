#!/usr/bin/env node
// Totals the vitest JSON reports of every package and prints one closing line,
// `tests: N passed, N failed, N skipped`. Exits non-zero when a report is missing, a test
// failed, or nothing ran at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', 'packages');
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const name of readdirSync(root).sort()) {
  const pkg = join(root, name);
  if (!existsSync(join(pkg, 'package.json')) || !existsSync(join(pkg, 'test'))) continue;
  const report = join(pkg, '.vitest-results.json');
  if (!existsSync(report)) {
    missing.push(name);
    continue;
  }
  const results = JSON.parse(readFileSync(report, 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  skipped += results.numPendingTests + results.numTodoTests;
  console.log(`${name}: ${results.numPassedTests} passed, ${results.numFailedTests} failed`);
}
if (missing.length > 0) console.log(`no test report from: ${missing.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0);
