// Runs every example in this folder, one after the other, each as a child process with a time
// limit, and prints PASS / FAIL / SKIP with its duration. Exits 1 if any failed.
//
//   node examples/run-all.mjs              every example
//   node examples/run-all.mjs mcp exec     only those whose file name contains `mcp` or `exec`
//   node examples/run-all.mjs --verbose    print every example's output, not only failures'
//   EXAMPLE_TIMEOUT_MS=120000 node examples/run-all.mjs   a longer limit per example (60 s)
//
// An example is any `*.mjs` file here except this one and files starting with `_`. One that
// needs a program that may be absent says so in a comment line `// needs: <program> …`; it is
// skipped when one of them is not on PATH. An example that finds at run time that it cannot run
// here exits with 77, which counts as a skip.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TIMEOUT_MS = Number(process.env.EXAMPLE_TIMEOUT_MS) || 60_000;
const SKIP_EXIT_CODE = 77;
const here = fileURLToPath(new URL('.', import.meta.url));
const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const filters = args.filter((arg) => !arg.startsWith('--'));

const examples = readdirSync(here)
  .filter((name) => name.endsWith('.mjs') && !name.startsWith('_') && join(here, name) !== self)
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();
if (examples.length === 0) {
  console.error(`no example matches ${filters.join(', ')}`);
  process.exit(1);
}

// The examples import the packages' built output (`dist/`), through the workspace links.
const unbuilt = [
  '@codex/app-server',
  '@codex/exec-server',
  '@codex/mcp-server',
  '@codex/test-support',
].filter((name) => !existsSync(fileURLToPath(import.meta.resolve(name))));
if (unbuilt.length > 0) {
  console.error(
    `not built: ${unbuilt.join(', ')}. Run \`pnpm build\` at the repository root first.`,
  );
  process.exit(1);
}

/** Programs named in the example's `// needs:` lines that are not on PATH. */
function missingPrograms(file) {
  const needed = [...readFileSync(file, 'utf8').matchAll(/^\/\/ needs: (.+)$/gm)].flatMap((match) =>
    match[1].trim().split(/\s+/),
  );
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return needed.filter(
    (program) =>
      !dirs.some((dir) => {
        try {
          accessSync(join(dir, program), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
  );
}

let running = null;
/** Ends the running example and everything it started (it leads its own process group). */
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    if (running) killGroup(running, 'SIGKILL');
    process.exit(130);
  });
}

/** Runs one example; resolves with its outcome, duration and output. */
function run(file) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [file], {
      cwd: here,
      detached: true, // its own process group, so a timeout can end its servers too
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), 5_000).unref();
    }, TIMEOUT_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      // Whatever the example left behind in its group (it should have cleaned up itself).
      killGroup(child, 'SIGKILL');
      running = null;
      const ms = Math.round(performance.now() - started);
      const status = timedOut
        ? 'FAIL'
        : code === 0
          ? 'PASS'
          : code === SKIP_EXIT_CODE
            ? 'SKIP'
            : 'FAIL';
      const why = timedOut
        ? `timed out after ${TIMEOUT_MS / 1000} s`
        : status === 'FAIL'
          ? `exit ${code ?? signal}`
          : '';
      resolve({ status, ms, why, output });
    });
  });
}

const results = [];
for (const name of examples) {
  const missing = missingPrograms(join(here, name));
  if (missing.length > 0) {
    console.log(`SKIP  ${name}  (needs ${missing.join(', ')})`);
    results.push('SKIP');
    continue;
  }
  const { status, ms, why, output } = await run(join(here, name));
  console.log(`${status}  ${name}  ${(ms / 1000).toFixed(1)} s${why ? `  (${why})` : ''}`);
  if (verbose || status === 'FAIL') {
    process.stdout.write(
      output
        .trimEnd()
        .split('\n')
        .map((line) => `      | ${line}`)
        .join('\n'),
    );
    process.stdout.write('\n');
  }
  results.push(status);
}

const count = (status) => results.filter((result) => result === status).length;
console.log(
  `\n${count('PASS')} passed, ${count('FAIL')} failed, ${count('SKIP')} skipped of ${results.length}`,
);
process.exit(count('FAIL') > 0 ? 1 : 0);
