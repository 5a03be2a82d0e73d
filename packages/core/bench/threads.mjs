// Thread listing and paged history at scale (issue 14): a page of 50 out of 10,000 stored
// threads (cold index build, warm page, a page deep in the list by cursor, a search), and a
// 500 MB rollout read without its turns (head summary and the first / last page of turns) with
// the child's peak RSS. Run from the repository root: `node packages/core/bench/threads.mjs`.
// Writes bench/results/core-threads.json. Bundles bench/threads-entry.ts (the sources) with
// esbuild into a temp directory; each measurement runs in its own child process.
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');
const repoRoot = join(packageDir, '..', '..');

const THREADS = 10_000;
const PAGE = 50;
const RUNS = 20;
const LARGE_BYTES = 500 * 1024 * 1024;
const ITEMS_PER_TURN = 24;
const OUTPUT_BYTES = 1_800; // one tool output: the bulk of a turn

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const stats = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    runs: samples.length,
    p50: round(quantile(sorted, 0.5)),
    p99: round(quantile(sorted, 0.99)),
    min: round(sorted[0]),
  };
};
const uuid = (n) => `0190a000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
const line = (type, payload, ordinal) =>
  `${JSON.stringify({ timestamp: new Date().toISOString(), ordinal, type, payload })}\n`;
const BASE_INSTRUCTIONS = `You are a coding agent. ${'Follow the repository conventions. '.repeat(60)}`;

/** 10,000 small rollouts in the current format, over ~14 months of date directories. */
function generateThreads(home) {
  const base = Date.UTC(2025, 0, 1);
  for (let n = 0; n < THREADS; n++) {
    const created = base + n * 3_600_000;
    const date = new Date(created);
    const dir = join(
      home,
      'sessions',
      String(date.getUTCFullYear()),
      String(date.getUTCMonth() + 1).padStart(2, '0'),
      String(date.getUTCDate()).padStart(2, '0'),
    );
    mkdirSync(dir, { recursive: true });
    const id = uuid(n);
    const cwd = `/home/dev/project-${n % 40}`;
    const message =
      n % 100 === 7 ? `find the needle in module ${n}` : `please refactor module ${n}`;
    const text =
      line(
        'session_meta',
        {
          session_id: id,
          id,
          timestamp: date.toISOString(),
          cwd,
          originator: 'codex_cli_rs',
          cli_version: '0.169.0',
          source: n % 5 === 0 ? 'exec' : 'cli',
          model_provider: n % 10 === 0 ? 'ollama' : 'openai',
          base_instructions: { text: BASE_INSTRUCTIONS },
          git: { commit_hash: 'a'.repeat(40), branch: 'main' },
        },
        0,
      ) +
      line('event_msg', { type: 'task_started', turn_id: `turn-${n}` }, 1) +
      line(
        'response_item',
        {
          type: 'message',
          role: 'user',
          content: [
            {
              type: 'input_text',
              text: `<environment_context>\n  <cwd>${cwd}</cwd>\n</environment_context>`,
            },
          ],
        },
        2,
      ) +
      line(
        'response_item',
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: message }] },
        3,
      ) +
      line('event_msg', { type: 'user_message', message }, 4) +
      line(
        'response_item',
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] },
        5,
      ) +
      line(
        'event_msg',
        { type: 'task_complete', turn_id: `turn-${n}`, last_agent_message: 'Done.' },
        6,
      );
    const path = join(
      dir,
      `rollout-${date.toISOString().slice(0, 19).replaceAll(':', '-')}-${id}.jsonl`,
    );
    writeFileSync(path, text);
    const mtime = (created + 60_000) / 1000;
    utimesSync(path, mtime, mtime);
  }
}

/**
 * One rollout of about `bytes` (500 MB by default): many turns of function calls with outputs,
 * compacted every `compactEvery` turns (0: never). Returns its path, size and turns.
 */
function generateLargeRollout(
  home,
  bytes = LARGE_BYTES,
  compactEvery = 100,
  idNumber = 999_999,
  maxTurns = Number.POSITIVE_INFINITY,
) {
  const dir = join(home, 'sessions', '2026', '01', '01');
  mkdirSync(dir, { recursive: true });
  const id = uuid(idNumber);
  const path = join(dir, `rollout-2026-01-01T00-00-00-${id}.jsonl`);
  const fd = openSync(path, 'w');
  let written = 0;
  let ordinal = 0;
  let pending = '';
  const flush = () => {
    written += writeSync(fd, pending);
    pending = '';
  };
  pending += line(
    'session_meta',
    {
      id,
      timestamp: '2026-01-01T00:00:00.000Z',
      cwd: '/home/dev/big',
      source: 'cli',
      model_provider: 'openai',
      base_instructions: { text: BASE_INSTRUCTIONS },
    },
    ordinal++,
  );
  const output = 'x'.repeat(OUTPUT_BYTES);
  let turns = 0;
  while (written + pending.length < bytes && turns < maxTurns) {
    const turnId = `turn-${turns}`;
    pending += line(
      'event_msg',
      { type: 'task_started', turn_id: turnId, started_at: 1_767_225_600 + turns },
      ordinal++,
    );
    pending += line(
      'turn_context',
      { turn_id: turnId, cwd: '/home/dev/big', model: 'gpt-5' },
      ordinal++,
    );
    pending += line(
      'response_item',
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: `step ${turns}` }] },
      ordinal++,
    );
    pending += line('event_msg', { type: 'user_message', message: `step ${turns}` }, ordinal++);
    for (let i = 0; i < ITEMS_PER_TURN; i++) {
      pending += line(
        'response_item',
        {
          type: 'function_call',
          name: 'exec_command',
          call_id: `c${turns}-${i}`,
          arguments: '{"cmd":"make test"}',
        },
        ordinal++,
      );
      pending += line(
        'response_item',
        { type: 'function_call_output', call_id: `c${turns}-${i}`, output },
        ordinal++,
      );
    }
    pending += line(
      'response_item',
      {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: `finished step ${turns}` }],
      },
      ordinal++,
    );
    pending += line(
      'event_msg',
      { type: 'task_complete', turn_id: turnId, last_agent_message: `finished step ${turns}` },
      ordinal++,
    );
    turns++;
    // A thread this long has been compacted along the way, as the agent does near the window.
    if (compactEvery > 0 && turns % compactEvery === 0)
      pending += line(
        'compacted',
        {
          message: `summary up to step ${turns}`,
          replacement_history: [
            {
              type: 'message',
              role: 'developer',
              content: [{ type: 'input_text', text: BASE_INSTRUCTIONS }],
            },
            {
              type: 'message',
              role: 'user',
              content: [{ type: 'input_text', text: `step ${turns - 1}` }],
            },
            {
              type: 'message',
              role: 'user',
              content: [{ type: 'input_text', text: `summary up to step ${turns}` }],
            },
          ],
        },
        ordinal++,
      );
    if (pending.length > 4 * 1024 * 1024) flush();
  }
  flush();
  closeSync(fd);
  return { path, bytes: written, turns };
}

/** A never-compacted rollout of exactly `count` turns (the same turn shape as the large one). */
function generateTurns(home, count) {
  return generateLargeRollout(home, Number.POSITIVE_INFINITY, 0, 999_997, count);
}

/** Runs `mode` of the bundle in a fresh Node process; returns its JSON result. */
function child(bundle, mode, args) {
  const out = execFileSync(process.execPath, [bundle, mode, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: join(packageDir, 'node_modules') },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out);
}

const CHILD = `
const api = require(process.env.CODEX_BENCH_API);
const [mode, ...args] = process.argv.slice(2);
const now = () => performance.now();
const rssMiB = () => Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
async function time(fn) { const start = now(); const value = await fn(); return [now() - start, value]; }
(async () => {
  const result = {};
  if (mode === 'listing') {
    const [home] = args;
    const codexHome = home;
    const [cold, first] = await time(() => api.listThreads({ codexHome, limit: ${PAGE} }));
    result.coldBuildMs = cold;
    result.firstPageIds = first.threads.length;
    result.warm = [];
    for (let i = 0; i < ${RUNS}; i++) result.warm.push((await time(() => api.listThreads({ codexHome, limit: ${PAGE} })))[0]);
    // Page to ~90 % of the list, then time the page at that cursor.
    let cursor = first.nextCursor; let position = ${PAGE};
    while (position < ${Math.floor(THREADS * 0.9)}) {
      const page = await api.listThreads({ codexHome, limit: 100, cursor });
      cursor = page.nextCursor; position += page.threads.length;
    }
    result.deepPosition = position;
    result.deep = [];
    for (let i = 0; i < ${RUNS}; i++) result.deep.push((await time(() => api.listThreads({ codexHome, limit: ${PAGE}, cursor })))[0]);
    result.search = []; let matches = 0;
    for (let i = 0; i < ${RUNS}; i++) {
      const [ms, page] = await time(() => api.listThreads({ codexHome, limit: ${PAGE}, searchTerm: 'NEEDLE' }));
      result.search.push(ms); matches = page.threads.length;
    }
    result.searchMatches = matches;
    result.filtered = [];
    for (let i = 0; i < ${RUNS}; i++) result.filtered.push((await time(() => api.listThreads({ codexHome, limit: ${PAGE}, cwd: '/home/dev/project-3', modelProviders: ['openai'], sources: ['cli'] })))[0]);
    result.maxRssMiB = rssMiB();
  } else if (mode === 'large') {
    const [path, direction] = args;
    const [summaryMs, summary] = await time(() => api.readThreadSummary(path));
    const [turnsMs, page] = await time(() => api.listTurns(path, { limit: ${PAGE}, direction }));
    const [itemsMs, items] = await time(() => api.listItems(path, { cursor: page.turns[0].itemsCursor, limit: 100 }));
    Object.assign(result, { summaryMs, turnsMs, itemsMs, preview: summary.preview, turns: page.turns.length,
      firstTurn: page.turns[0].turnId, items: items.items.length, maxRssMiB: rssMiB() });
  } else if (mode === 'scan') {
    // Every turn of the file, page by page: the whole file streamed once.
    const [path] = args;
    let cursor = null; let turns = 0;
    const [ms] = await time(async () => { do { const page = await api.listTurns(path, { limit: 200, cursor }); turns += page.turns.length; cursor = page.nextCursor; } while (cursor); });
    Object.assign(result, { ms, turns, maxRssMiB: rssMiB() });
  } else if (mode === 'resume') {
    // What resuming the thread costs: its conversation rebuilt for the next model request.
    const [path] = args;
    const [ms, loaded] = await time(() => api.loadThreadHistory(path));
    Object.assign(result, { ms, historyItems: loaded.history.length, maxRssMiB: rssMiB() });
  } else if (mode === 'baseline') {
    result.maxRssMiB = rssMiB();
  }
  process.stdout.write(JSON.stringify(result));
})().catch((error) => { console.error(error); process.exit(1); });
`;

async function main() {
  const work = mkdtempSync(join(os.tmpdir(), 'codex-bench-threads-'));
  try {
    const api = join(work, 'threads-api.cjs');
    await build({
      entryPoints: [join(here, 'threads-entry.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: api,
      external: ['better-sqlite3', 'koffi', 'web-tree-sitter', 'tree-sitter-bash'],
      logLevel: 'warning',
    });
    const bundle = join(work, 'threads-child.cjs');
    writeFileSync(bundle, CHILD);
    process.env.CODEX_BENCH_API = api;

    const home = join(work, 'home');
    let started = performance.now();
    generateThreads(home);
    const generatedMs = performance.now() - started;
    console.error(`generated ${THREADS} rollouts in ${round(generatedMs / 1000, 1)} s`);
    const listing = child(bundle, 'listing', [home]);
    console.error(
      `listing: cold ${round(listing.coldBuildMs)} ms, warm p50 ${stats(listing.warm).p50} ms`,
    );

    const largeHome = join(work, 'large');
    started = performance.now();
    const large = generateLargeRollout(largeHome);
    console.error(
      `generated a ${round(large.bytes / 2 ** 20, 1)} MiB rollout (${large.turns} turns) in ${round((performance.now() - started) / 1000, 1)} s`,
    );
    const asc = child(bundle, 'large', [large.path, 'asc']);
    const desc = child(bundle, 'large', [large.path, 'desc']);
    const scan = child(bundle, 'scan', [large.path]);
    const resumeLarge = child(bundle, 'resume', [large.path]);
    // 1,000 turns of ~50 KB each, never compacted: the whole file is replayed.
    const thousandTurns = generateTurns(join(work, 'thousand-turns'), 1_000);
    const resumeThousand = child(bundle, 'resume', [thousandTurns.path]);
    const baseline = child(bundle, 'baseline', []);

    const cpus = os.cpus();
    const result = {
      command: 'node packages/core/bench/threads.mjs',
      date: new Date().toISOString(),
      machine: {
        cpus: cpus.length,
        model: cpus[0]?.model.trim() ?? 'unknown',
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      index: `SQLite ${sqliteVersion()} through better-sqlite3 ${betterSqliteVersion()}, $CODEX_HOME/codex-ts-threads.sqlite`,
      listing: {
        threads: THREADS,
        pageSize: PAGE,
        coldIndexBuildMs: round(listing.coldBuildMs),
        warmPageMs: stats(listing.warm),
        deepCursorPageMs: { position: listing.deepPosition, ...stats(listing.deep) },
        searchMs: { term: 'NEEDLE', matches: listing.searchMatches, ...stats(listing.search) },
        filteredPageMs: { filters: 'cwd + modelProviders + sources', ...stats(listing.filtered) },
        childPeakRssMiB: listing.maxRssMiB,
        note: 'every call refreshes the index first: a stat-only walk of the 10,000 files, then one indexed query',
      },
      largeRollout: {
        bytes: large.bytes,
        turns: large.turns,
        readSummaryMs: round(asc.summaryMs),
        firstTurnsPageAscMs: { turns: asc.turns, ms: round(asc.turnsMs) },
        firstTurnsPageDescMs: {
          turns: desc.turns,
          ms: round(desc.turnsMs),
          firstTurn: desc.firstTurn,
        },
        firstTurnItemsMs: { items: asc.items, ms: round(asc.itemsMs) },
        summaryAndLatestTurnsPageMs: round(desc.summaryMs + desc.turnsMs),
        peakRssMiB: { asc: asc.maxRssMiB, desc: desc.maxRssMiB },
        allTurnsStreamedMs: { turns: scan.turns, ms: round(scan.ms), peakRssMiB: scan.maxRssMiB },
        nodeBaselineRssMiB: baseline.maxRssMiB,
        resume: {
          ms: round(resumeLarge.ms),
          historyItems: resumeLarge.historyItems,
          peakRssMiB: resumeLarge.maxRssMiB,
          note: 'loadThreadHistory: the history the next request carries, rebuilt from the last compaction read backwards from the end of the file (compacted every 100 turns), in a fresh process',
        },
        note: "summary + a page of 50 turns + the first turn's items, each direction in a fresh process (peak RSS is that process's maxRSS); the file was just written, so the page cache is warm",
      },
      thousandTurnThread: {
        bytes: thousandTurns.bytes,
        turns: thousandTurns.turns,
        resumeMs: round(resumeThousand.ms),
        historyItems: resumeThousand.historyItems,
        peakRssMiB: resumeThousand.maxRssMiB,
        note: 'never compacted: every line replayed',
      },
      targets: {
        resumeLargeUnder1s: resumeLarge.ms < 1_000,
        resumeLargeUnder256MiB: resumeLarge.maxRssMiB < 256,
        warmPageOf50Under100Ms: stats(listing.warm).p50 < 100,
        summaryAndLatestTurnsUnder1s: desc.summaryMs + desc.turnsMs < 1_000,
        allTurnsStreamedUnder1s: scan.ms < 1_000,
        peakRssUnder256MiB: Math.max(asc.maxRssMiB, desc.maxRssMiB, scan.maxRssMiB) < 256,
      },
    };
    const outDir = join(repoRoot, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'core-threads.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function betterSqliteVersion() {
  return JSON.parse(
    readFileSync(join(packageDir, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8'),
  ).version;
}

function sqliteVersion() {
  return execFileSync(
    process.execPath,
    [
      '-e',
      "const D=require('better-sqlite3');const d=new D(':memory:');process.stdout.write(d.prepare('select sqlite_version() v').get().v)",
    ],
    { encoding: 'utf8', cwd: packageDir },
  );
}

await main();
