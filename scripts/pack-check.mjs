#!/usr/bin/env node
// Release readiness: installs the packed packages the way a user would and checks that every
// entry point works. Assumes the packages are built (`pnpm turbo run build`).
//
// 1. `pnpm pack` every non-private package under packages/ (workspace:^ becomes a real range).
// 2. An empty npm project in a temp dir outside the repo installs all the tarballs together;
//    `overrides` pin every @codex/* to its tarball and the @codex scope's registry is pointed
//    at a closed port, so no @codex/* package can come from a registry (third-party
//    dependencies do come from the npm registry; native ones are built or downloaded).
// 3. For every subpath in each package's `exports` (but ./package.json): `import` (ESM) and
//    `require` (CJS) from a fresh node, each asserting at least one export; the type
//    declarations with the repo's TypeScript, strict and without skipLibCheck, as an ESM
//    project (node16), a CJS .cts file (node16) and with moduleResolution bundler; every
//    `bin` is run from node_modules/.bin with --help and must exit 0.
//
// Prints one row per package and exits 1 on any failure, naming package and subpath. A CJS
// cell `ok*` means require() works only because Node (>= 20.19 / 22.12) can require() an ES
// module somewhere in the graph: a note names the module.
//
// KEEP=1 keeps the temp dir; PACK_CHECK_JOBS sets how many checks run at once (default 2);
// Type errors inside third-party declarations (not ours to fix; e.g. the MCP SDK's CJS types
// without skipLibCheck) are notes; PACK_CHECK_THIRD_PARTY_TYPES=fail makes them failures.

import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
// Not turbo tasks: the variables below only steer this script.
const { env } = process;
const KEEP = env.KEEP === '1';
const JOBS = Math.max(1, Number(env.PACK_CHECK_JOBS) || 2);
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];
const STRICT_REQUIRE_FLAG = '--no-experimental-require-module';
/** `warn`: type errors inside third-party declarations are notes, not failures. */
const THIRD_PARTY_TYPES = env.PACK_CHECK_THIRD_PARTY_TYPES === 'fail' ? 'fail' : 'warn';

const started = Date.now();
const timings = [];
/** Failures, each `{ pkg, where, message }`; `pkg` is undefined when no package is to blame. */
const failures = [];
/** Warnings: not failures, printed after the table. */
const notes = [];

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function fail(pkg, where, message) {
  failures.push({ pkg, where, message: message.trim() });
}

/** Runs a command without a shell; resolves with its exit code and output, never rejects. */
function run(command, args, { cwd, env, timeoutMs = 120_000 } = {}) {
  return new Promise((done) => {
    const begin = Date.now();
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      done({ code: -1, stdout, stderr: `${stderr}${error.message}`, ms: Date.now() - begin });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) stderr += `\n(killed: no exit within ${seconds(timeoutMs)})`;
      else if (signal) stderr += `\n(killed by ${signal})`;
      done({ code: code ?? -1, stdout, stderr, ms: Date.now() - begin, timedOut });
    });
  });
}

/** Runs `task` over `items`, at most `limit` at a time, keeping the order of the results. */
async function pool(items, limit, task) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function step(label, body) {
  const begin = Date.now();
  process.stdout.write(`${label} ...`);
  const result = await body();
  const ms = Date.now() - begin;
  timings.push([label, ms]);
  process.stdout.write(` ${seconds(ms)}\n`);
  return result;
}

function lastLines(text, count = 15) {
  const lines = text.trim().split('\n');
  return lines.slice(-count).join('\n');
}

/** The subpaths of an `exports` field (or `.` for a plain `main`), and the patterns skipped. */
function subpathsOf(manifest) {
  const { exports } = manifest;
  if (exports === undefined || exports === null) return { subpaths: manifest.main ? ['.'] : [] };
  if (typeof exports === 'string' || Array.isArray(exports)) return { subpaths: ['.'] };
  const keys = Object.keys(exports);
  if (!keys.some((key) => key.startsWith('.'))) return { subpaths: ['.'] };
  const subpaths = keys.filter((key) => key !== './package.json' && !key.includes('*'));
  return { subpaths, patterns: keys.filter((key) => key.includes('*')) };
}

/** Every file path an `exports` value (or the `main`) points to. */
function targetsOf(value, into = []) {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) targetsOf(item, into);
  else if (value && typeof value === 'object')
    for (const item of Object.values(value)) targetsOf(item, into);
  return into;
}

function specifier(name, subpath) {
  return subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
}

function binsOf(manifest) {
  if (!manifest.bin) return [];
  if (typeof manifest.bin === 'string') return [manifest.name.replace(/^@[^/]+\//, '')];
  return Object.keys(manifest.bin);
}

function readPackages() {
  const dir = join(ROOT, 'packages');
  const packages = [];
  for (const entry of readdirSync(dir).sort()) {
    const manifestPath = join(dir, entry, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.private) continue;
    const { subpaths, patterns = [] } = subpathsOf(manifest);
    for (const pattern of patterns)
      notes.push(`${manifest.name}: export pattern ${pattern} not checked (no file to import)`);
    packages.push({
      name: manifest.name,
      version: manifest.version,
      dir: join(dir, entry),
      manifest,
      subpaths,
      bins: binsOf(manifest),
      typeFailures: new Set(),
    });
  }
  return packages;
}

/** Fails early, with the fix, when dist/ is missing (the packages were not built). */
function checkBuilt(packages) {
  const missing = [];
  for (const pkg of packages) {
    const { exports, main, bin } = pkg.manifest;
    const targets = targetsOf(exports ?? main ?? []);
    targets.push(...targetsOf(bin ?? []));
    for (const target of new Set(targets))
      if (!existsSync(join(pkg.dir, target))) missing.push(`${pkg.name}: ${target}`);
  }
  if (missing.length === 0) return;
  console.error(
    `Build output missing (run \`pnpm turbo run build\` first):\n  ${missing.join('\n  ')}`,
  );
  process.exit(1);
}

async function packAll(packages, tarballs) {
  await pool(packages, JOBS, async (pkg) => {
    const result = await run('pnpm', ['pack', '--json', '--pack-destination', tarballs], {
      cwd: pkg.dir,
      timeoutMs: 120_000,
    });
    if (result.code !== 0) {
      fail(pkg.name, 'pnpm pack', lastLines(result.stderr || result.stdout));
      return;
    }
    let filename;
    try {
      filename = JSON.parse(result.stdout).filename;
    } catch {
      filename = result.stdout.match(/\S+\.tgz/)?.[0];
    }
    if (!filename || !existsSync(resolve(tarballs, filename))) {
      fail(pkg.name, 'pnpm pack', `no tarball found in the output:\n${lastLines(result.stdout)}`);
      return;
    }
    pkg.tarball = resolve(tarballs, filename);
  });
}

async function installAll(packages, project) {
  const init = await run('npm', ['init', '-y'], { cwd: project });
  if (init.code !== 0) throw new Error(`npm init -y failed:\n${lastLines(init.stderr)}`);
  const manifestPath = join(project, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  // npm refuses an override that differs from a direct dependency's spec, so both are
  // written, as the same relative file: spec, before one plain `npm install`.
  const local = Object.fromEntries(
    packages.map((pkg) => [
      pkg.name,
      `file:${relative(project, pkg.tarball).split(sep).join('/')}`,
    ]),
  );
  manifest.private = true;
  manifest.dependencies = local;
  // The declarations use Node's types, which a TypeScript consumer of a Node library installs.
  manifest.devDependencies = { '@types/node': rootManifest.devDependencies['@types/node'] };
  manifest.overrides = local;
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  const scopes = [
    ...new Set(packages.map((pkg) => pkg.name.split('/')[0]).filter((s) => s.startsWith('@'))),
  ];
  const result = await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      // Any attempt to fetch a local package from a registry fails at once.
      ...scopes.map((scope) => `--${scope}:registry=http://127.0.0.1:9/`),
    ],
    { cwd: project, timeoutMs: 600_000, env: { JOBS: env.JOBS ?? '2' } },
  );
  if (result.code !== 0)
    throw new Error(`npm install failed (exit ${result.code}):\n${lastLines(result.stderr, 30)}`);
  verifyInstall(packages, project);
}

/** Every local package installed once, from its tarball, with no workspace: range left. */
function verifyInstall(packages, project) {
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  const names = new Set(packages.map((pkg) => pkg.name));
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!names.has(name)) continue;
    if (path !== `node_modules/${name}`)
      fail(name, 'npm install', `a second copy was installed at ${path} (${entry.version})`);
    else if (!String(entry.resolved ?? '').startsWith('file:'))
      fail(name, 'npm install', `resolved to ${entry.resolved ?? '(nothing)'}, not its tarball`);
  }
  for (const pkg of packages) {
    const installedPath = join(project, 'node_modules', ...pkg.name.split('/'), 'package.json');
    if (!existsSync(installedPath)) {
      fail(pkg.name, 'npm install', 'not installed');
      continue;
    }
    const installed = JSON.parse(readFileSync(installedPath, 'utf8'));
    if (installed.version !== pkg.version)
      fail(pkg.name, 'npm install', `installed ${installed.version}, expected ${pkg.version}`);
    for (const field of DEP_FIELDS)
      for (const [dep, range] of Object.entries(installed[field] ?? {}))
        if (String(range).startsWith('workspace:'))
          fail(pkg.name, 'packed package.json', `${field}.${dep} is still ${range}`);
  }
  // Native modules: report the ones compiled here (no prebuilt binary was available).
  const compiled = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!entry.hasInstallScript) continue;
    if (existsSync(join(project, path, 'build', 'config.gypi'))) compiled.push(path.slice(13));
  }
  if (compiled.length > 0)
    notes.push(`native modules compiled from source during npm install: ${compiled.join(', ')}`);
}

/** ESM: a fresh node imports the subpath and prints its export names. */
async function checkImport(project, spec) {
  const code = `import * as m from ${JSON.stringify(spec)};
const keys = Object.keys(m);
if (keys.length === 0) throw new Error('no exports');
console.log('@@' + JSON.stringify(keys));`;
  const result = await run(process.execPath, ['--input-type=module', '-e', code], {
    cwd: project,
    timeoutMs: 60_000,
  });
  return parseKeys(result);
}

/** CJS: a fresh node requires the subpath and prints its export names and resolved file. */
async function checkRequire(project, spec, flags = []) {
  const code = `const m = require(${JSON.stringify(spec)});
const keys = Object.keys(m);
if (keys.length === 0) throw new Error('no exports');
console.log('@@' + JSON.stringify(keys));
console.log('@@' + JSON.stringify(require.resolve(${JSON.stringify(spec)})));`;
  const result = await run(process.execPath, [...flags, '--input-type=commonjs', '-e', code], {
    cwd: project,
    timeoutMs: 60_000,
  });
  return parseKeys(result);
}

function parseKeys(result) {
  const marked = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('@@'))
    .map((line) => JSON.parse(line.slice(2)));
  if (result.code !== 0 || marked.length === 0)
    return { ok: false, error: lastLines(result.stderr || result.stdout || `exit ${result.code}`) };
  return { ok: true, keys: marked[0], file: marked[1] };
}

async function checkRuntime(packages, project) {
  const strictRequire = process.allowedNodeEnvironmentFlags.has(STRICT_REQUIRE_FLAG);
  const tasks = packages.flatMap((pkg) => pkg.subpaths.map((subpath) => ({ pkg, subpath })));
  await pool(tasks, JOBS, async ({ pkg, subpath }) => {
    const spec = specifier(pkg.name, subpath);
    const esm = await checkImport(project, spec);
    const cjs = await checkRequire(project, spec);
    if (!esm.ok) {
      pkg.esm = 'FAIL';
      fail(pkg.name, `import '${spec}'`, esm.error);
    }
    if (!cjs.ok) {
      pkg.cjs = 'FAIL';
      fail(pkg.name, `require('${spec}')`, cjs.error);
    }
    if (esm.ok && cjs.ok) {
      const esmOnly = esm.keys.filter((key) => key !== 'default' && !cjs.keys.includes(key));
      const cjsOnly = cjs.keys.filter((key) => key !== 'default' && !esm.keys.includes(key));
      if (esmOnly.length > 0 || cjsOnly.length > 0)
        fail(
          pkg.name,
          spec,
          `ESM and CJS builds export different names: only in ESM: ${esmOnly.join(', ') || '-'}; ` +
            `only in CJS: ${cjsOnly.join(', ') || '-'}`,
        );
    }
    if (cjs.ok && strictRequire) {
      // Node >= 20.19 can require() an ES module; without that, does the CJS build still load?
      const strict = await checkRequire(project, spec, [STRICT_REQUIRE_FLAG]);
      if (!strict.ok) {
        const reason = strict.error.match(/require\(\) of ES Module (\S+)/)?.[1];
        pkg.cjsNeedsRequireEsm = true;
        notes.push(
          `${spec}: require() works only where Node can require() ES modules (Node >= 20.19 / 22.12); ` +
            `it loads the ES module ${reason ? relative(project, reason) : `(see: ${strict.error.split('\n')[0]})`}`,
        );
      }
    }
    pkg.exportCounts ??= {};
    pkg.exportCounts[subpath] = esm.ok ? esm.keys.length : 0;
  });
}

/**
 * The types check source: per subpath a namespace import, an assertion that it is not `any`,
 * and one alias per exported interface or type alias (found with the TypeScript API).
 */
function typesSource(packages, project) {
  const ts = createRequire(join(ROOT, 'package.json'))('typescript');
  const entries = packages.flatMap((pkg) =>
    pkg.subpaths.map((subpath) => ({ pkg, subpath, spec: specifier(pkg.name, subpath) })),
  );
  const probeDir = join(project, 'types-probe');
  mkdirSync(probeDir, { recursive: true });
  writeFileSync(join(probeDir, 'package.json'), '{ "type": "module" }\n');
  const probe = join(probeDir, 'probe.ts');
  writeFileSync(probe, entries.map((e, i) => `import * as m${i} from '${e.spec}';\n`).join(''));
  const program = ts.createProgram([probe], {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(probe);
  const typeNames = entries.map(() => []);
  source?.statements.forEach((statement, index) => {
    if (!ts.isImportDeclaration(statement)) return;
    const moduleSymbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
    if (!moduleSymbol) return;
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      const target =
        symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const isType = target.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias);
      if (!isType || target.flags & ts.SymbolFlags.Value) continue;
      const arity =
        target.declarations?.find((declaration) => declaration.typeParameters)?.typeParameters
          ?.length ?? 0;
      typeNames[index].push({ name: symbol.escapedName.toString(), arity });
    }
  });
  rmSync(probeDir, { recursive: true, force: true });

  const lines = [
    '// Generated by scripts/pack-check.mjs.',
    'type IsAny<T> = 0 extends 1 & T ? true : false;',
    "type NotAny<T> = IsAny<T> extends true ? 'resolved to any' : true;",
  ];
  const ranges = [];
  entries.forEach((entry, i) => {
    const start = lines.length + 1;
    lines.push(`import * as m${i} from '${entry.spec}';`);
    lines.push(`export const notAny${i}: NotAny<typeof m${i}> = true;`);
    lines.push(`export type Exports${i} = keyof typeof m${i};`);
    for (const { name, arity } of typeNames[i]) {
      const args = arity > 0 ? `<${Array(arity).fill('any').join(', ')}>` : '';
      lines.push(`export type T${i}_${name} = m${i}.${name}${args};`);
    }
    ranges.push({ ...entry, start, end: lines.length, types: typeNames[i].length });
  });
  return { text: `${lines.join('\n')}\n`, ranges };
}

const TYPE_MODES = [
  {
    mode: 'esm',
    dir: 'types-esm',
    file: 'check.ts',
    packageJson: '{ "type": "module" }\n',
    options: ['--module', 'node16', '--moduleResolution', 'node16'],
  },
  {
    mode: 'cjs',
    dir: 'types-cjs',
    file: 'check.cts',
    packageJson: '{ "type": "commonjs" }\n',
    options: ['--module', 'node16', '--moduleResolution', 'node16'],
  },
  {
    mode: 'bundler',
    dir: 'types-bundler',
    file: 'check.ts',
    packageJson: '{ "type": "module" }\n',
    options: ['--module', 'esnext', '--moduleResolution', 'bundler'],
  },
];

async function checkTypes(packages, project) {
  const { text, ranges } = typesSource(packages, project);
  for (const range of ranges)
    if (range.types === 0 && range.pkg.exportCounts?.[range.subpath] === 0)
      fail(range.pkg.name, `types '${range.spec}'`, 'no exports found in the declarations');
  await pool(TYPE_MODES, JOBS, async ({ mode, dir, file, packageJson, options }) => {
    mkdirSync(join(project, dir), { recursive: true });
    writeFileSync(join(project, dir, 'package.json'), packageJson);
    writeFileSync(join(project, dir, file), text);
    const args = [
      TSC,
      ...options,
      '--target',
      'es2022',
      '--strict',
      '--noEmit',
      '--skipLibCheck',
      'false',
      '--types',
      'node',
      '--pretty',
      'false',
      '--explainFiles',
      `${dir}/${file}`,
    ];
    const result = await run(process.execPath, args, { cwd: project, timeoutMs: 300_000 });
    timings.push([`  tsc (${mode})`, result.ms]);
    if (result.code === 0) return;
    const { errors, importers } = parseTscOutput(result.stdout + result.stderr);
    if (errors.length === 0) {
      fail(undefined, `types (${mode})`, lastLines(result.stdout + result.stderr));
      return;
    }
    for (const error of errors) {
      const text = `${error.file}(${error.line}): ${error.text}`;
      if (error.file === `${dir}/${file}`) {
        const range = ranges.find((r) => error.line >= r.start && error.line <= r.end);
        if (range) range.pkg.typeFailures.add(mode);
        fail(range?.pkg.name, `types (${mode})${range ? ` '${range.spec}'` : ''}`, text);
        continue;
      }
      const owner = ownerOf(error.file);
      const pkg = packages.find((p) => p.name === owner);
      if (pkg) {
        pkg.typeFailures.add(mode);
        fail(pkg.name, `types (${mode}) in its declarations`, text);
        continue;
      }
      // A third-party declaration file: blame the local packages whose declarations import it.
      const blamed = localImporters(error.file, importers, packages);
      const where = `types (${mode}) in ${owner ?? 'a'} declaration file, reached from ${
        blamed.map((p) => p.name).join(', ') || 'an unknown package'
      }`;
      if (THIRD_PARTY_TYPES === 'warn') {
        notes.push(`${where}: ${text}`);
        continue;
      }
      for (const p of blamed) p.typeFailures.add(mode);
      fail(blamed.length === 1 ? blamed[0].name : undefined, where, text);
    }
  });
}

/** The package a path under node_modules belongs to (the innermost one). */
function ownerOf(file) {
  return [...file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].pop()?.[1];
}

/** The errors of a `tsc --pretty false --explainFiles` run, and who imports each file. */
function parseTscOutput(output) {
  const errors = [];
  const importers = new Map();
  let error = null;
  let file = null;
  for (const line of output.split('\n')) {
    const match = line.match(/^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/);
    if (match) {
      error = { file: match[1], line: Number(match[2]), text: match[4] };
      errors.push(error);
      file = null;
    } else if (line.startsWith(' ')) {
      if (error) error.text += `\n${line}`;
      else if (file) {
        const from = line.match(/from file '([^']+)'/)?.[1];
        if (from) importers.get(file).add(from);
      }
    } else {
      error = null;
      file = line.trim() || null;
      if (file && !importers.has(file)) importers.set(file, new Set());
    }
  }
  return { errors, importers };
}

/** The local packages whose declarations (transitively) import `file`. */
function localImporters(file, importers, packages) {
  const found = new Set();
  const seen = new Set([file]);
  const queue = [file];
  while (queue.length > 0) {
    for (const from of importers.get(queue.shift()) ?? []) {
      if (seen.has(from)) continue;
      seen.add(from);
      const pkg = packages.find((p) => p.name === ownerOf(from));
      if (pkg) found.add(pkg);
      else queue.push(from);
    }
  }
  return [...found];
}

async function checkBins(packages, project) {
  const tasks = packages.flatMap((pkg) => pkg.bins.map((bin) => ({ pkg, bin })));
  const home = join(project, 'codex-home');
  mkdirSync(home, { recursive: true });
  await pool(tasks, JOBS, async ({ pkg, bin }) => {
    const path = join(project, 'node_modules', '.bin', bin);
    if (!existsSync(path)) {
      pkg.binFailed = true;
      fail(pkg.name, `bin ${bin}`, `node_modules/.bin/${bin} was not installed`);
      return;
    }
    const result = await run(path, ['--help'], {
      cwd: project,
      env: { CODEX_HOME: home },
      timeoutMs: 30_000,
    });
    if (result.code !== 0 || result.stdout.trim() === '') {
      pkg.binFailed = true;
      fail(
        pkg.name,
        `bin ${bin} --help`,
        `exit ${result.code}${result.stdout.trim() ? '' : ', nothing on stdout'}\n${lastLines(result.stderr || result.stdout)}`,
      );
    }
  });
}

function printTable(packages) {
  const rows = [['package', 'version', 'exports', 'ESM', 'CJS', 'types (esm/cjs/bundler)', 'bins']];
  for (const pkg of packages) {
    const failed = (what) => failures.some((f) => f.pkg === pkg.name && f.where.startsWith(what));
    const typeCell = TYPE_MODES.map(({ mode }) =>
      pkg.typeFailures.has(mode) ? 'FAIL' : 'ok',
    ).join('/');
    rows.push([
      pkg.name,
      pkg.version,
      pkg.subpaths.map((s) => (s === '.' ? '.' : s.slice(1))).join(' '),
      !pkg.tarball || pkg.esm || failed('import') ? 'FAIL' : 'ok',
      !pkg.tarball || pkg.cjs || failed('require') ? 'FAIL' : pkg.cjsNeedsRequireEsm ? 'ok*' : 'ok',
      pkg.tarball ? typeCell : 'FAIL',
      pkg.bins.length === 0 ? '-' : pkg.binFailed ? 'FAIL' : `ok (${pkg.bins.join(', ')})`,
    ]);
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

async function main() {
  const packages = readPackages();
  if (packages.length === 0) throw new Error('no publishable packages under packages/');
  checkBuilt(packages);
  const work = mkdtempSync(join(tmpdir(), 'codex-pack-check-'));
  const tarballs = join(work, 'tarballs');
  const project = join(work, 'project');
  mkdirSync(tarballs);
  mkdirSync(project);
  const cleanup = () => {
    if (!KEEP) rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    console.log(`pack-check: ${packages.length} packages, work dir ${work}`);
    await step('pnpm pack', () => packAll(packages, tarballs));
    if (packages.some((pkg) => !pkg.tarball)) throw new Error('packing failed');
    await step('npm install (tarballs + registry deps, native builds)', () =>
      installAll(packages, project),
    );
    await step('import / require every export', () => checkRuntime(packages, project));
    await step('types (tsc: node16 ESM, node16 CJS, bundler)', () => checkTypes(packages, project));
    await step('bins --help', () => checkBins(packages, project));
  } catch (error) {
    fail(undefined, 'pack-check', error instanceof Error ? error.message : String(error));
  } finally {
    cleanup();
  }

  console.log('');
  printTable(packages);
  if (packages.some((pkg) => pkg.cjsNeedsRequireEsm))
    console.log('ok* = require() works only where Node can require() ES modules (see notes)');
  if (notes.length > 0) {
    console.log('\nnotes:');
    for (const note of notes) console.log(`  * ${note}`);
  }
  console.log(
    `\ntimings: ${timings.map(([label, ms]) => `${label.trim()} ${seconds(ms)}`).join('; ')}; total ${seconds(Date.now() - started)}`,
  );
  if (KEEP) console.log(`kept: ${work}`);
  if (failures.length > 0) {
    console.error(`\npack-check FAILED (${failures.length}):`);
    for (const { pkg, where, message } of failures)
      console.error(`\n✗ ${pkg ?? '(all)'} — ${where}\n  ${message.split('\n').join('\n  ')}`);
    process.exit(1);
  }
  console.log('\npack-check passed');
}

await main();
