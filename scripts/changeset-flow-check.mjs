#!/usr/bin/env node
// Proves the changesets release flow (`changeset version`: bumps and changelogs) works, without
// touching the repo: the .changeset/ dir, the root package.json, pnpm-workspace.yaml and every
// workspace package's package.json (and CHANGELOG.md, when there is one) are copied to a temp
// dir, where the repo's own @changesets/cli runs `changeset version`. Then:
//
// - every package a pending changeset names is bumped at least as far as the changesets ask,
//   and every bumped package got a CHANGELOG.md with a section for its new version;
// - each changelog contains the summary of every pending changeset that names the package;
// - the packages in the config's `ignore` (e.g. @codex/test-support) are left alone;
// - every `workspace:` range is unchanged (pnpm, not changesets, turns them into versions);
// - the pending changesets were consumed.
//
// A changeset naming both ignored and released packages makes `changeset version` refuse to
// run: that is reported as a failure, and the check goes on with the ignored names dropped
// from the copy. When no changeset is pending, a patch changeset for every published package
// is made up, so that the flow is still exercised.
//
// Prints each bump (old -> new), exits 1 on any failure. KEEP=1 keeps the temp dir.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const { env } = process;
const KEEP = env.KEEP === '1';
const CHANGESET_BIN = join(ROOT, 'node_modules', '.bin', 'changeset');
const DEP_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
const BUMPS = ['patch', 'minor', 'major'];

const failures = [];
const notes = [];

function fail(message) {
  failures.push(message.trim());
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The `packages:` globs of pnpm-workspace.yaml (a plain list; enough for this file). */
function workspaceGlobs() {
  const lines = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8').split('\n');
  const globs = [];
  let inPackages = false;
  for (const line of lines) {
    if (/^packages:\s*$/.test(line)) inPackages = true;
    else if (inPackages && /^\s+-\s+/.test(line))
      globs.push(
        line
          .replace(/^\s+-\s+/, '')
          .replace(/\s+#.*$/, '')
          .replace(/^['"]|['"]$/g, ''),
      );
    else if (inPackages && /^\S/.test(line)) inPackages = false;
  }
  return globs;
}

/** The workspace package dirs (relative to the root) matching the globs. */
function workspaceDirs(globs) {
  const dirs = new Set();
  const hasManifest = (dir) => existsSync(join(ROOT, dir, 'package.json'));
  for (const glob of globs) {
    if (glob.startsWith('!')) continue;
    if (glob.endsWith('/*') && !glob.slice(0, -2).includes('*')) {
      const parent = glob.slice(0, -2);
      if (!existsSync(join(ROOT, parent))) continue;
      for (const entry of readdirSync(join(ROOT, parent)).sort()) {
        const dir = `${parent}/${entry}`;
        if (statSync(join(ROOT, dir)).isDirectory() && hasManifest(dir)) dirs.add(dir);
      }
    } else if (!glob.includes('*')) {
      if (hasManifest(glob)) dirs.add(glob);
    } else {
      throw new Error(`pnpm-workspace.yaml: glob ${glob} is not supported by this check`);
    }
  }
  for (const glob of globs.filter((g) => g.startsWith('!')))
    for (const dir of dirs) if (dir === glob.slice(1)) dirs.delete(dir);
  return [...dirs];
}

/** `{ releases: Map<name, bump>, summary }` of one changeset file's text. */
function parseChangeset(text, file) {
  const match = text.match(/^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/);
  if (!match) throw new Error(`${file}: no front matter`);
  const releases = new Map();
  for (const line of match[1].split('\n')) {
    if (line.trim() === '') continue;
    const release = line.match(/^\s*(['"]?)([^'"]+)\1\s*:\s*(patch|minor|major|none)\s*$/);
    if (!release) throw new Error(`${file}: cannot read the front matter line ${line}`);
    releases.set(release[2], release[3]);
  }
  return { releases, summary: match[2].trim() };
}

function globRegExp(pattern) {
  const source = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${source}$`);
}

function parseVersion(version) {
  const match = String(version).match(/^(\d+)\.(\d+)\.(\d+)(?:-([\w.-]+))?/);
  if (!match) throw new Error(`not a version: ${version}`);
  return { parts: match.slice(1, 4).map(Number), pre: match[4] };
}

function compareVersions(a, b) {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < 3; i++) if (x.parts[i] !== y.parts[i]) return x.parts[i] - y.parts[i];
  if (x.pre === y.pre) return 0;
  if (!x.pre) return 1;
  if (!y.pre) return -1;
  return x.pre < y.pre ? -1 : 1;
}

function bumpVersion(version, bump) {
  const [major, minor, patch] = parseVersion(version).parts;
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** Markdown text compared loosely: escapes dropped, whitespace and list markers collapsed. */
function normalize(text) {
  return text
    .replace(/\\(?=[^\w\s])/g, '')
    .replace(/^\s*[-*+]\s+/gm, '- ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A hash of the repo files this check reads, to prove it did not change them. */
function fingerprint(paths) {
  const hash = createHash('sha256');
  for (const path of paths) {
    hash.update(path);
    if (existsSync(path)) hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

function main() {
  if (!existsSync(CHANGESET_BIN))
    throw new Error(`${CHANGESET_BIN} not found: install the root devDependencies (pnpm install)`);
  const config = readJson(join(ROOT, '.changeset', 'config.json'));
  const ignored = (config.ignore ?? []).map(globRegExp);
  const isIgnored = (name) => ignored.some((pattern) => pattern.test(name));

  const dirs = workspaceDirs(workspaceGlobs());
  const packages = dirs.map((dir) => {
    const manifest = readJson(join(ROOT, dir, 'package.json'));
    return { dir, name: manifest.name, manifest, ignored: isIgnored(manifest.name) };
  });
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const repoFiles = [
    join(ROOT, 'package.json'),
    join(ROOT, 'pnpm-workspace.yaml'),
    ...readdirSync(join(ROOT, '.changeset')).map((file) => join(ROOT, '.changeset', file)),
    ...dirs.flatMap((dir) => [join(ROOT, dir, 'package.json'), join(ROOT, dir, 'CHANGELOG.md')]),
  ];
  const before = fingerprint(repoFiles);

  const work = mkdtempSync(join(tmpdir(), 'codex-changeset-check-'));
  try {
    cpSync(join(ROOT, '.changeset'), join(work, '.changeset'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(work, 'package.json'));
    cpSync(join(ROOT, 'pnpm-workspace.yaml'), join(work, 'pnpm-workspace.yaml'));
    for (const { dir } of packages) {
      mkdirSync(join(work, dir), { recursive: true });
      cpSync(join(ROOT, dir, 'package.json'), join(work, dir, 'package.json'));
      if (existsSync(join(ROOT, dir, 'CHANGELOG.md')))
        cpSync(join(ROOT, dir, 'CHANGELOG.md'), join(work, dir, 'CHANGELOG.md'));
    }

    // The pending changesets, checked the way `changeset version` will read them.
    const changesetDir = join(work, '.changeset');
    let changesets = readdirSync(changesetDir)
      .filter((file) => file.endsWith('.md') && file !== 'README.md')
      .sort()
      .map((file) => ({
        file,
        ...parseChangeset(readFileSync(join(changesetDir, file), 'utf8'), file),
      }));
    for (const changeset of changesets) {
      for (const name of changeset.releases.keys())
        if (!byName.has(name))
          fail(`.changeset/${changeset.file} names ${name}, not a workspace package`);
      const names = [...changeset.releases.keys()];
      const ignoredNames = names.filter(isIgnored);
      if (ignoredNames.length === 0 || ignoredNames.length === names.length) continue;
      fail(
        `.changeset/${changeset.file} names the ignored ${ignoredNames.join(', ')} beside ` +
          `${names.filter((n) => !isIgnored(n)).join(', ')}: \`changeset version\` refuses ` +
          `("Mixed changesets that contain both ignored and not ignored packages are not allowed"). ` +
          `Remove the line${ignoredNames.length > 1 ? 's' : ''} for ${ignoredNames.join(', ')} from it. ` +
          '(Checked on with them dropped from the copy.)',
      );
      const path = join(changesetDir, changeset.file);
      const text = readFileSync(path, 'utf8').replace(/^---\r?\n[\s\S]*?\r?\n---/, (front) =>
        front
          .split('\n')
          .filter(
            (line) =>
              !ignoredNames.some((name) => line.includes(`${name}'`) || line.includes(`${name}"`)),
          )
          .join('\n'),
      );
      writeFileSync(path, text);
      for (const name of ignoredNames) changeset.releases.delete(name);
    }
    changesets = changesets.filter((changeset) => changeset.releases.size > 0 || changeset.summary);
    if (changesets.length === 0) {
      const releases = new Map(
        packages.filter((p) => !p.manifest.private && !p.ignored).map((p) => [p.name, 'patch']),
      );
      const summary = 'Synthetic changeset of changeset-flow-check (no changeset was pending).';
      const front = [...releases.keys()].map((name) => `"${name}": patch`).join('\n');
      writeFileSync(
        join(changesetDir, 'flow-check-synthetic.md'),
        `---\n${front}\n---\n\n${summary}\n`,
      );
      changesets = [{ file: 'flow-check-synthetic.md', releases, summary }];
      notes.push(
        'no changeset is pending: a synthetic patch changeset for every published package was used',
      );
    }

    console.log(`changeset version: ${changesets.length} pending changesets, in ${work}\n`);
    const result = spawnSync(CHANGESET_BIN, ['version'], {
      cwd: work,
      encoding: 'utf8',
      env: { ...env, CI: '1' },
    });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    if (result.status !== 0) {
      fail(`\`changeset version\` failed (exit ${result.status}):\n${output}`);
      return report(packages, work);
    }

    // What the changesets ask of each package.
    const asked = new Map();
    for (const changeset of changesets)
      for (const [name, bump] of changeset.releases) {
        if (bump === 'none') continue;
        const current = asked.get(name);
        if (!current || BUMPS.indexOf(bump) > BUMPS.indexOf(current)) asked.set(name, bump);
      }

    for (const pkg of packages) {
      const manifestPath = join(work, pkg.dir, 'package.json');
      const changelogPath = join(work, pkg.dir, 'CHANGELOG.md');
      const after = readJson(manifestPath);
      const oldChangelog = existsSync(join(ROOT, pkg.dir, 'CHANGELOG.md'))
        ? readFileSync(join(ROOT, pkg.dir, 'CHANGELOG.md'), 'utf8')
        : undefined;
      const changelog = existsSync(changelogPath) ? readFileSync(changelogPath, 'utf8') : undefined;
      pkg.newVersion = after.version;

      // workspace: ranges stay as they were, in every package (ignored ones included).
      for (const field of DEP_FIELDS)
        for (const [dep, range] of Object.entries(pkg.manifest[field] ?? {})) {
          if (!String(range).startsWith('workspace:')) continue;
          const now = after[field]?.[dep];
          if (now !== range)
            fail(`${pkg.name}: ${field}.${dep} was ${range}, is now ${now ?? '(removed)'}`);
        }

      if (pkg.ignored) {
        if (
          readFileSync(manifestPath, 'utf8') !==
          readFileSync(join(ROOT, pkg.dir, 'package.json'), 'utf8')
        )
          fail(
            `${pkg.name} is ignored in .changeset/config.json, yet its package.json was changed`,
          );
        if (changelog !== oldChangelog)
          fail(`${pkg.name} is ignored, yet its CHANGELOG.md was written`);
        continue;
      }

      const bumped = compareVersions(after.version, pkg.manifest.version) > 0;
      const want = asked.get(pkg.name);
      if (want) {
        const least = bumpVersion(pkg.manifest.version, want);
        if (compareVersions(after.version, least) < 0)
          fail(
            `${pkg.name}: a ${want} bump was asked for; ${pkg.manifest.version} -> ${after.version}, expected at least ${least}`,
          );
      } else if (!bumped && !pkg.manifest.private) {
        notes.push(`${pkg.name} is not released: no pending changeset names it`);
      }
      if (!bumped) {
        if (changelog !== oldChangelog)
          fail(`${pkg.name}: not bumped, yet its CHANGELOG.md changed`);
        continue;
      }
      if (pkg.manifest.private)
        notes.push(
          `private ${pkg.name} is versioned too (${pkg.manifest.version} -> ${after.version}, with a CHANGELOG.md): ` +
            'add it to "ignore" in .changeset/config.json, or set "privatePackages": { "version": false, "tag": false }, if unwanted',
        );
      if (!changelog) {
        fail(`${pkg.name}: bumped to ${after.version} but no CHANGELOG.md was written`);
        continue;
      }
      if (!changelog.includes(`## ${after.version}`))
        fail(`${pkg.name}: CHANGELOG.md has no "## ${after.version}" section`);
      if (oldChangelog && !changelog.includes(oldChangelog.replace(/^# .*\n/, '').trim()))
        fail(`${pkg.name}: the previous CHANGELOG.md entries were not kept`);
      const flat = normalize(changelog);
      for (const changeset of changesets) {
        if (!changeset.releases.has(pkg.name) || changeset.releases.get(pkg.name) === 'none')
          continue;
        if (!flat.includes(normalize(changeset.summary)))
          fail(
            `${pkg.name}: CHANGELOG.md lacks the summary of .changeset/${changeset.file} ` +
              `("${changeset.summary.split('\n')[0].slice(0, 80)}…")`,
          );
      }
      pkg.changelogEntries = changesets.filter((c) => c.releases.has(pkg.name)).length;
    }

    const left = readdirSync(changesetDir).filter(
      (file) => file.endsWith('.md') && file !== 'README.md',
    );
    if (left.length > 0) fail(`changesets left unconsumed in .changeset/: ${left.join(', ')}`);
    return report(packages, work);
  } finally {
    if (KEEP) console.log(`kept: ${work}`);
    else rmSync(work, { recursive: true, force: true });
    if (fingerprint(repoFiles) !== before)
      fail('the repo files changed during the check (not by this script?)');
  }
}

function report(packages, work) {
  const rows = [['package', 'version', 'changelog']];
  for (const pkg of packages) {
    const from = pkg.manifest.version;
    const to = pkg.newVersion ?? from;
    const changelog = existsSync(join(work, pkg.dir, 'CHANGELOG.md'))
      ? `${relative(work, join(work, pkg.dir, 'CHANGELOG.md'))}${pkg.changelogEntries ? ` (${pkg.changelogEntries} changeset${pkg.changelogEntries === 1 ? '' : 's'})` : ''}`
      : '-';
    const version =
      from === to ? `${from} (unchanged${pkg.ignored ? ', ignored' : ''})` : `${from} -> ${to}`;
    rows.push([`${pkg.name}${pkg.manifest.private ? ' (private)' : ''}`, version, changelog]);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const [index, row] of rows.entries()) {
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    );
    if (index === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

try {
  main();
} catch (error) {
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error));
}
if (notes.length > 0) {
  console.log('\nnotes:');
  for (const note of notes) console.log(`  * ${note}`);
}
if (failures.length > 0) {
  console.error(`\nchangeset-flow-check FAILED (${failures.length}):`);
  for (const failure of failures) console.error(`\n✗ ${failure.split('\n').join('\n  ')}`);
  process.exit(1);
}
console.log('\nchangeset-flow-check passed');
