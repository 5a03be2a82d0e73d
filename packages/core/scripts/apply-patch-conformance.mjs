#!/usr/bin/env node
// Runs the apply_patch conformance scenarios copied from the original Codex against the built
// package: for each scenario, applies patch.txt to a copy of input/ and compares the tree it
// leaves (files with their bytes, and folders) with expected/, and the outcome (ok or fail)
// with the table in the scenarios' README.md.
//
//   node packages/core/scripts/apply-patch-conformance.mjs [scenarios-folder]
//
// The folder defaults to $CODEX_APPLY_PATCH_SCENARIOS, then to
// <repository root>/../shared/reference/apply-patch-scenarios. Build @codex/core first.
// Exit status: 0 when every scenario passes, 1 when one fails, 2 when the folder is missing.

import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApplyPatchError, applyPatch } from '../dist/index.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const scenariosRoot = resolve(
  process.argv[2] ??
    process.env.CODEX_APPLY_PATCH_SCENARIOS ??
    join(repositoryRoot, '..', 'shared', 'reference', 'apply-patch-scenarios'),
);

const isDirectory = async (path) =>
  (await stat(path).catch(() => undefined))?.isDirectory() ?? false;

/** Every folder and file under `root`: relative path → `null` (folder) or the file's bytes. */
async function snapshot(root) {
  const entries = new Map();
  if (!(await isDirectory(root))) return entries;
  const walk = async (folder) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const key = relative(root, path);
      if (entry.isDirectory()) {
        entries.set(key, null);
        await walk(path);
      } else {
        entries.set(key, await readFile(path));
      }
    }
  };
  await walk(root);
  return entries;
}

/** Why two snapshots differ, or `undefined` when they are equal. */
function treeDifference(actual, expected) {
  const problems = [];
  for (const [path, bytes] of expected) {
    if (!actual.has(path)) problems.push(`missing ${bytes === null ? 'folder' : 'file'} ${path}`);
    else if (bytes === null && actual.get(path) !== null) problems.push(`${path} is not a folder`);
    else if (bytes !== null && actual.get(path) === null) problems.push(`${path} is a folder`);
    else if (bytes !== null && !bytes.equals(actual.get(path))) {
      problems.push(
        `${path} differs: got ${JSON.stringify(actual.get(path).toString('utf8'))}, ` +
          `expected ${JSON.stringify(bytes.toString('utf8'))}`,
      );
    }
  }
  for (const [path, bytes] of actual) {
    if (!expected.has(path))
      problems.push(`unexpected ${bytes === null ? 'folder' : 'file'} ${path}`);
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}

/** Scenario name → `ok` or `fail`, from the README table's rows. */
async function expectedOutcomes() {
  const readme = await readFile(join(scenariosRoot, 'README.md'), 'utf8');
  const outcomes = new Map();
  for (const line of readme.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    // | name | what it checks | outcome |  →  ['', name, what, outcome, '']
    const name = cells[1];
    const outcome = cells.at(-2);
    if (/^\d{3}_\w+$/.test(name ?? '') && (outcome === 'ok' || outcome === 'fail')) {
      outcomes.set(name, outcome);
    }
  }
  return outcomes;
}

/** Applies one scenario; resolves with why it failed, or `undefined`. */
async function runScenario(name, outcome) {
  const folder = join(scenariosRoot, name);
  const workspace = await mkdtemp(join(tmpdir(), `apply-patch-${name}-`));
  try {
    if (await isDirectory(join(folder, 'input'))) {
      await cp(join(folder, 'input'), workspace, { recursive: true });
    }
    const patch = await readFile(join(folder, 'patch.txt'), 'utf8');
    let actualOutcome = 'ok';
    let failure = '';
    try {
      await applyPatch(patch, workspace);
    } catch (error) {
      if (!ApplyPatchError.isInstance(error)) return `unexpected error: ${error?.stack ?? error}`;
      actualOutcome = 'fail';
      failure = ` (${error.code}: ${error.message.split('\n')[0]})`;
    }
    const problems = [];
    if (outcome === undefined) problems.push('no outcome for it in the README table');
    else if (actualOutcome !== outcome) {
      problems.push(`expected outcome ${outcome}, got ${actualOutcome}${failure}`);
    }
    const difference = treeDifference(
      await snapshot(workspace),
      await snapshot(join(folder, 'expected')),
    );
    if (difference !== undefined) problems.push(difference);
    return problems.length === 0 ? undefined : problems.join('; ');
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

if (!(await isDirectory(scenariosRoot))) {
  console.error(
    `apply-patch conformance: no scenarios folder at ${scenariosRoot}; pass one as the first ` +
      'argument or set CODEX_APPLY_PATCH_SCENARIOS',
  );
  process.exit(2);
}

const outcomes = await expectedOutcomes();
const names = (await readdir(scenariosRoot, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
let passed = 0;
for (const name of names) {
  const problem = await runScenario(name, outcomes.get(name));
  if (problem === undefined) {
    passed++;
    console.log(`ok ${name}`);
  } else {
    console.log(`FAIL ${name}: ${problem}`);
  }
}
console.log(`${passed}/${names.length} scenarios passed`);
process.exit(passed === names.length && names.length > 0 ? 0 : 1);
