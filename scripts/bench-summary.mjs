#!/usr/bin/env node
// Writes bench/results/SUMMARY.md from every bench/results/*.json: the machine and the date of
// the summary, then one table per results file with each figure beside its target (taken from
// the issues, cited as #N) and, where it was measured, the original's figure.
//   pnpm bench                                  (runs every package's benchmark, then this)
//   node scripts/bench-summary.mjs [resultsDir] (this alone, on the results already there)
// Files it knows have hand-written mappings; any other file is summarised from its `figures`
// (name → {median | p50 | value, target, original}) or, without them, from its numbers.
// Exits non-zero only when a results file cannot be read or is not JSON.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? join(import.meta.dirname, '..', 'bench', 'results'));
const OUTPUT = 'SUMMARY.md';
/** Rows of a file with neither a mapping nor `figures`, at most. */
const MAX_GENERIC_ROWS = 60;

// ---- formatting ----

/** A number as the JSON has it, thousands grouped: 45560.2 → "45,560.2". */
function num(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  const [whole, fraction] = String(Math.abs(value)).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return `${value < 0 ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}

function withUnit(value, unit) {
  const text = num(value);
  if (!unit) return text;
  return unit.startsWith('×') || unit === '%' ? `${text}${unit}` : `${text} ${unit}`;
}

function show(value, unit) {
  if (value === undefined || value === null) return 'n/a';
  if (typeof value === 'number') return withUnit(value, unit);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  // Lists are codes and counts as recorded (close codes 1009, not "1,009").
  if (Array.isArray(value)) return value.map(String).join(', ');
  return String(value);
}

const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');

function when(iso) {
  const date = new Date(iso);
  if (typeof iso !== 'string' || Number.isNaN(date.getTime())) return 'date not recorded';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// ---- targets ----

const SYMBOL = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '=': '=' };

/** A target: `op` against `bound` (a number, a boolean, or 'original'), from `source`. */
const target = (op, bound, source) => ({ op, bound, source });

/** A benchmark's own target text ("< 20", ">= 55000", "<= original") as a target. */
function parseTarget(text, source) {
  if (text === undefined || text === null) return undefined;
  if (typeof text === 'boolean') return target('=', text, source);
  const match = /^\s*(<=|>=|≤|≥|<|>|==|=)\s*(original|-?[\d,_]*\.?\d+)\b/.exec(String(text));
  if (!match) return { op: null, text: String(text), source };
  const op = { '≤': '<=', '≥': '>=', '==': '=' }[match[1]] ?? match[1];
  const bound = match[2] === 'original' ? 'original' : Number(match[2].replace(/[,_]/g, ''));
  return target(op, bound, source);
}

function showTarget(row) {
  const goal = row.target;
  if (!goal) return '—';
  const from = goal.source ? ` (${goal.source})` : '';
  if (goal.op === null) return `${goal.text}${from}`;
  const bound =
    goal.bound === 'original'
      ? 'original'
      : typeof goal.bound === 'boolean'
        ? show(goal.bound)
        : withUnit(goal.bound, row.unit);
  return typeof goal.bound === 'boolean' ? `${bound}${from}` : `${SYMBOL[goal.op]} ${bound}${from}`;
}

/** '✓' met, '✗' not met, '—' no target, '?' a target that cannot be checked against this value. */
function verdict(row) {
  const goal = row.target;
  if (!goal) return '—';
  const bound = goal.bound === 'original' ? row.original : goal.bound;
  if (goal.op === null || typeof row.value !== typeof bound) return '?';
  if (typeof bound === 'number' && !Number.isFinite(row.value)) return '?';
  const met = {
    '<': () => row.value < bound,
    '<=': () => row.value <= bound,
    '>': () => row.value > bound,
    '>=': () => row.value >= bound,
    '=': () => row.value === bound,
  }[goal.op];
  if (!met) return '?';
  return met() ? '✓' : '✗';
}

// ---- rows ----

/**
 * One table row. `value` is what the target is checked against; `detail` (spread, p99) is
 * printed after it; `original` is the original's figure (a number in `unit`, or text).
 */
const row = (label, value, unit = '', { target: goal, original, detail } = {}) => ({
  label,
  value,
  unit,
  target: goal,
  original,
  detail,
});

const p99 = (stats) => (stats?.p99 === undefined ? undefined : `p99 ${num(stats.p99)}`);
const spread = (stats) =>
  stats?.min === undefined || stats?.max === undefined
    ? undefined
    : `${num(stats.min)}–${num(stats.max)}`;

/** The unit a figure's name ends with, as the benchmarks name them. */
function unitOf(name) {
  if (/Ms$/.test(name)) return 'ms';
  if (/MiB$/.test(name)) return 'MiB';
  if (/MBps$/.test(name)) return 'MB/s';
  if (/PerSecond$/.test(name)) return '/s';
  if (/Bytes$/.test(name)) return 'bytes';
  return '';
}

/** A row from one entry of a generic `figures` object. */
function figureRow(name, figure, overrides = {}) {
  const stats = typeof figure === 'object' && figure !== null ? figure : { value: figure };
  const value = stats.median ?? stats.p50 ?? stats.value;
  const details = [spread(stats), p99(stats)].filter(Boolean).join(', ');
  return row(overrides.label ?? name, value, overrides.unit ?? unitOf(name), {
    target: overrides.target ?? parseTarget(stats.target, 'bench'),
    original: stats.original ?? overrides.original,
    detail: details || undefined,
  });
}

function figureRows(figures, order = []) {
  if (typeof figures !== 'object' || figures === null) return [];
  const known = order.filter(([name]) => name in figures);
  const rest = Object.keys(figures)
    .filter((name) => !order.some(([known]) => known === name))
    .sort();
  return [
    ...known.map(([name, overrides]) => figureRow(name, figures[name], overrides)),
    ...rest.map((name) => figureRow(name, figures[name])),
  ];
}

/** Numbers and booleans of a file without `figures`, by their path. */
function leafRows(json) {
  const rows = [];
  const walk = (value, path) => {
    if (rows.length >= MAX_GENERIC_ROWS) return;
    if (typeof value === 'number' || typeof value === 'boolean') {
      rows.push(row(path, value, unitOf(path.split('.').at(-1))));
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const key of Object.keys(value))
        if (!['date', 'machine', 'command'].includes(key))
          walk(value[key], path ? `${path}.${key}` : key);
    }
  };
  walk(json, '');
  return rows;
}

// ---- the files the benchmarks write ----

const BEFORE = (text) => `${text} (ours, before #11)`;
const UNDER_256 = target('<', 256, '#11');
const NONE_LOST = target('=', 0, '#11');

/**
 * Per known file: who writes it, a caption saying what was measured, and its rows. Targets
 * cite the issue they come from; "bench" marks one the benchmark set or recorded itself.
 */
const KNOWN = {
  'app-server.json': {
    title: '`@codex/app-server`: the app server beside the original',
    producer: 'pnpm --filter @codex/app-server bench',
    caption: (json) =>
      `The \`codex-app-server\` bin over stdio against a mock Responses server in the driver's process, measured as the transcripts reference §9 measured the original (codex-cli 0.169.0). Medians (min–max) of ${json.runs ?? 'N'} cold runs (fresh CODEX_HOME each) and ${json.runs ?? 'N'} warm runs; deltas/s over 3 runs of 5,000 deltas with no delay.`,
    rows: (json) => {
      const figures = json.figures ?? {};
      const rows = figureRows(figures, [
        [
          'spawnToInitializeColdMs',
          { label: 'spawn → initialize response, cold', target: target('<=', 'original', '#15') },
        ],
        [
          'spawnToInitializeWarmMs',
          { label: 'spawn → initialize response, warm', target: target('<=', 'original', '#15') },
        ],
        ['threadStartMs', { label: 'thread/start request → response' }],
        [
          'turnStartToFirstDeltaMs',
          { label: 'turn/start → first agentMessage delta', target: target('<', 25, '#15') },
        ],
        [
          'lastSseByteToTurnCompletedMs',
          { label: 'last mock SSE byte → turn/completed', target: target('<', 5, '#15') },
        ],
        ['peakRssMiB', { label: 'peak RSS (VmHWM), one turn', target: target('<', 100, '#15') }],
        [
          'deltasPerSecond',
          { label: 'deltas/s, 5,000 deltas with no delay', target: target('>=', 55_000, '#15') },
        ],
        // The original's figure is in the transcripts reference §9 (cited by #15's note).
        [
          'throughputPeakRssMiB',
          { label: 'peak RSS during the 5,000-delta runs', original: 147.8 },
        ],
      ]);
      const received = figures.deltasPerSecond?.deltasReceived;
      if (Array.isArray(received))
        rows.push(
          row('deltas received per run (of 5,000)', received, '', { original: '5000, 5000, 5000' }),
        );
      return rows;
    },
  },
  'auth-locks.json': {
    title: '`@codex/auth`: auth.json writers under lock faults',
    producer: 'pnpm --filter @codex/auth bench',
    caption: (json) =>
      `${json.writers ?? 20} Node processes doing auth.json read-modify-writes for ${json.seconds ?? 15} s per run: undisturbed; one replaced every 50 ms by SIGTERM (orderly); one SIGKILLed and replaced every 50 ms; and the ${json.writers ?? 20} writers while a native \`flock\` holder is SIGKILLed holding the lock every 50 ms. "Lost" counts acknowledged writes missing from the file at the end. Then the stall after a lock holder is SIGKILLed (${json.stallAfterHolderKilled?.rounds ?? 20} rounds) and the first write past a lock directory dated 1 h ahead.`,
    rows: (json) => [
      row('no kills: writes/s', json.noKills?.writesPerSecond, '/s'),
      row('no kills: acknowledged writes lost', json.noKills?.lost, '', { target: NONE_LOST }),
      row(
        'orderly replacement (SIGTERM): writes/s',
        json.orderlyReplacement?.writesPerSecond,
        '/s',
      ),
      row('orderly replacement: acknowledged writes lost', json.orderlyReplacement?.lost, '', {
        target: NONE_LOST,
      }),
      row('Node writer SIGKILLed every 50 ms: writes/s', json.withKills?.writesPerSecond, '/s', {
        original: BEFORE('0–15 writes in 30 s'),
      }),
      row('SIGKILL run ÷ no-kill throughput', json.killedRunShareOfNoKillThroughput, '×', {
        target: target('>=', 0.5, '#11'),
      }),
      row(
        'SIGKILL run ÷ orderly-replacement throughput',
        json.killedRunShareOfOrderlyReplacementThroughput,
        '×',
      ),
      row('SIGKILL run: acknowledged writes lost', json.withKills?.lost, '', { target: NONE_LOST }),
      row(
        'flock holder SIGKILLed holding the lock: writes/s',
        json.killedHolders?.writesPerSecond,
        '/s',
      ),
      row(
        'killed-holder run ÷ no-kill throughput',
        json.killedHoldersShareOfNoKillThroughput,
        '×',
        {
          target: target('>=', 0.5, '#11'),
        },
      ),
      row('killed-holder run: acknowledged writes lost', json.killedHolders?.lost, '', {
        target: NONE_LOST,
      }),
      row('stall after a lock holder is SIGKILLed, p50', json.stallAfterHolderKilled?.p50Ms, 'ms'),
      row('stall after a lock holder is SIGKILLed, max', json.stallAfterHolderKilled?.maxMs, 'ms', {
        target: target('<=', 1000, '#11'),
        original: BEFORE('10,700 ms'),
      }),
      row(
        'first write past a lock directory dated 1 h ahead',
        json.futureDatedLockDirectory?.firstWriteMs,
        'ms',
        {
          target: target('<=', 1000, '#11'),
          original: BEFORE('blocked until that date'),
        },
      ),
    ],
  },
  'core-sdk.json': {
    title: '`@codex/core`: the SDK',
    producer: 'pnpm --filter @codex/core bench',
    caption: (json) =>
      `\`thread.run()\` of the in-process \`Codex\` against the mock model: ${json.scenario ?? ''}. The overhead is the run's median (and p99) minus the model's.${json.original ? ' "originalExec" times the original `codex exec` per turn (what @openai/codex-sdk spawns for each turn) against the same mock.' : ''}`,
    rows: (json) => figureRows(json.figures),
  },
  'core-session.json': {
    title: '`@codex/core`: the agent session and the sandbox',
    producer: 'pnpm --filter @codex/core bench',
    caption: (json) =>
      `In process against the mock Responses server: deltas from the mock's SSE to the session's events (median of ${json.deltasFromSseToEvents?.runs ?? 5} turns of ${num(json.deltasFromSseToEvents?.deltasPerTurn ?? 300_000)} deltas), \`submit\` to the request reaching the mock (${json.submitToModelRequestMs?.runs ?? 200} turns), and spawn → exit of \`true\` through the in-process exec-server, bare and in bubblewrap workspace-write (${json.sandboxSpawnToExit?.runs ?? 200} runs each).`,
    rows: (json) => {
      const sandbox = json.sandboxSpawnToExit ?? {};
      const skipped = sandbox.skipped === undefined ? undefined : `skipped: ${sandbox.skipped}`;
      return [
        row(
          'deltas from SSE to session events',
          json.deltasFromSseToEvents?.medianPerSecond,
          '/s',
          {
            target: target('>=', 150_000, '#12'),
            detail:
              json.deltasFromSseToEvents?.minPerSecond === undefined
                ? undefined
                : `min ${num(json.deltasFromSseToEvents.minPerSecond)}`,
          },
        ),
        row('`submit` → model request, p50', json.submitToModelRequestMs?.p50, 'ms', {
          detail: p99(json.submitToModelRequestMs),
        }),
        row(
          'spawn → exit of `true`, unsandboxed, p50',
          skipped ?? sandbox.unsandboxedMs?.p50,
          'ms',
          {
            detail: p99(sandbox.unsandboxedMs),
          },
        ),
        row(
          'spawn → exit of `true`, in bubblewrap, p50',
          skipped ?? sandbox.sandboxedMs?.p50,
          'ms',
          {
            detail: p99(sandbox.sandboxedMs),
          },
        ),
        row('sandbox added p50', skipped ?? sandbox.addedP50Ms, 'ms', {
          target: target('<', 10, '#13'),
        }),
      ];
    },
  },
  'core-threads.json': {
    title: '`@codex/core`: thread listing and history at scale',
    producer: 'pnpm --filter @codex/core bench',
    caption: (json) =>
      `Listing: a page of ${json.listing?.pageSize ?? 50} out of ${num(json.listing?.threads ?? 10_000)} stored threads (${json.listing?.warmPageMs?.runs ?? 20} calls each, every call refreshing the index from the files first). A ${num(Math.round((json.largeRollout?.bytes ?? 0) / 2 ** 20))} MiB rollout of ${num(json.largeRollout?.turns ?? 0)} turns, compacted every 100 turns, read without its turns, each read in a fresh process (peak RSS is that process's). A 1,000-turn thread that was never compacted, resumed. Index: ${json.index ?? 'not recorded'}.`,
    rows: (json) => {
      const listing = json.listing ?? {};
      const large = json.largeRollout ?? {};
      const thousand = json.thousandTurnThread ?? {};
      const page = target('<', 100, '#14');
      const second = target('<', 1000, '#14');
      const rss = target('<', 256, '#14');
      return [
        row('warm page of 50, p50', listing.warmPageMs?.p50, 'ms', {
          target: page,
          detail: p99(listing.warmPageMs),
        }),
        row('page by cursor 9,050 deep, p50', listing.deepCursorPageMs?.p50, 'ms', {
          target: page,
          detail: p99(listing.deepCursorPageMs),
        }),
        row('search page, p50', listing.searchMs?.p50, 'ms', {
          target: page,
          detail: p99(listing.searchMs),
        }),
        row('filtered page (cwd + provider + source), p50', listing.filteredPageMs?.p50, 'ms', {
          target: page,
          detail: p99(listing.filteredPageMs),
        }),
        row('cold index build from the files', listing.coldIndexBuildMs, 'ms'),
        row('listing process peak RSS', listing.childPeakRssMiB, 'MiB'),
        row('large rollout: resume (history for the next request)', large.resume?.ms, 'ms', {
          target: second,
          original: 1080,
        }),
        row('large rollout: resume peak RSS', large.resume?.peakRssMiB, 'MiB', { target: rss }),
        row('large rollout: summary + latest 50 turns', large.summaryAndLatestTurnsPageMs, 'ms', {
          target: second,
        }),
        row('large rollout: summary only', large.readSummaryMs, 'ms'),
        row('large rollout: first 50 turns, oldest first', large.firstTurnsPageAscMs?.ms, 'ms'),
        row('large rollout: first 50 turns, newest first', large.firstTurnsPageDescMs?.ms, 'ms'),
        row('large rollout: first turn’s items', large.firstTurnItemsMs?.ms, 'ms'),
        row('large rollout: peak RSS, oldest first', large.peakRssMiB?.asc, 'MiB', { target: rss }),
        row('large rollout: peak RSS, newest first', large.peakRssMiB?.desc, 'MiB', {
          target: rss,
        }),
        row('large rollout: every turn streamed', large.allTurnsStreamedMs?.ms, 'ms', {
          target: target('<', 1000, 'bench'),
        }),
        row(
          'large rollout: every turn streamed, peak RSS',
          large.allTurnsStreamedMs?.peakRssMiB,
          'MiB',
          {
            target: rss,
          },
        ),
        row('Node alone, peak RSS (baseline)', large.nodeBaselineRssMiB, 'MiB'),
        row('1,000-turn thread: resume (every line replayed)', thousand.resumeMs, 'ms'),
        row('1,000-turn thread: resume peak RSS', thousand.peakRssMiB, 'MiB'),
      ];
    },
  },
  'exec-server.json': {
    title: '`@codex/exec-server`: spawn latency and output throughput',
    producer: 'pnpm --filter @codex/exec-server bench',
    caption: (json) =>
      `Spawn → exit of \`true\` over pipes (p50, p99 of ${json.spawnToExitMs?.runs ?? 200} runs) and the throughput of \`${json.outputThroughputMBps?.command ?? 'head -c 209715200 /dev/zero'}\`, each beside the bare Node baseline (\`child_process.spawn\`, a plain pipe). #4 asks for the figures and their ratios to the baselines; it sets no target.`,
    rows: (json) => {
      const spawn = json.spawnToExitMs ?? {};
      const output = json.outputThroughputMBps ?? {};
      return [
        row(
          'spawn → exit, bare `child_process.spawn`, p50',
          spawn.bareChildProcessSpawn?.p50,
          'ms',
          {
            detail: p99(spawn.bareChildProcessSpawn),
          },
        ),
        row('spawn → exit, exec-server over stdio, p50', spawn.execServerStdio?.p50, 'ms', {
          detail: p99(spawn.execServerStdio),
        }),
        row('spawn → exit, exec-server in process, p50', spawn.execServerInProcess?.p50, 'ms', {
          detail: p99(spawn.execServerInProcess),
        }),
        row('spawn p50 ratio, stdio ÷ bare', spawn.ratioP50?.stdio, '×'),
        row('spawn p50 ratio, in process ÷ bare', spawn.ratioP50?.inProcess, '×'),
        row('output through a plain pipe', output.plainPipe, 'MB/s'),
        row('output via process/output to a stdio client', output.execServerStdio, 'MB/s'),
        row('output via process/output in process', output.execServerInProcess, 'MB/s'),
        row('output ratio, stdio ÷ plain pipe', output.ratio?.stdio, '×'),
        row('output ratio, in process ÷ plain pipe', output.ratio?.inProcess, '×'),
      ];
    },
  },
  'exec-server-faults.json': {
    title: '`@codex/exec-server`: faults',
    producer: 'pnpm --filter @codex/exec-server bench',
    caption: (json) =>
      `The bin over stdio: ${num(json.unreadProcessReads?.reads ?? 3000)} \`process/read\` replies (64 KiB each) left unread for 3 s, then read (peak RSS is VmHWM); and a burst of ${num(json.failingStartBurst?.starts ?? 10_000)} \`process/start\` of a program that does not exist.`,
    rows: (json) => {
      const reads = json.unreadProcessReads ?? {};
      const burst = json.failingStartBurst ?? {};
      return [
        row('peak RSS before the reads', reads.peakRssMiB?.beforeReads, 'MiB'),
        row('peak RSS while the replies are unread', reads.peakRssMiB?.whilePaused, 'MiB', {
          target: UNDER_256,
        }),
        row('peak RSS once all are read', reads.peakRssMiB?.atEnd, 'MiB', {
          target: UNDER_256,
          original: BEFORE('+219 MB'),
        }),
        row('replies received', reads.repliesReceived, '', {
          target: target('=', reads.reads ?? 3000, '#11'),
        }),
        row('failing starts refused as "too many running processes"', burst.tooManyProcesses, '', {
          target: target('=', 0, '#11'),
          original: BEFORE('1,752'),
        }),
        row('failing starts answered "not found"', burst.notFound, ''),
      ];
    },
  },
  'jsonrpc.json': {
    title: '`@codex/jsonrpc`: throughput and latency per transport',
    producer: 'pnpm --filter @codex/jsonrpc bench',
    caption: (json) =>
      `${num(json.notifications ?? 100_000)} notifications shaped like \`item/agentMessage/delta\` sent one way, then ${num(json.roundTrips ?? 2000)} request → response round trips (p50, p99), over each transport. No target in the issues: a baseline (#2).`,
    rows: (json) =>
      (Array.isArray(json.results) ? json.results : []).flatMap((result) => [
        row(`${result.transport}: notifications/s`, result.notificationsPerSecond, '/s'),
        row(`${result.transport}: round trip, p50`, result.roundTripMs?.p50, 'ms', {
          detail: p99(result.roundTripMs),
        }),
      ]),
  },
  'jsonrpc-faults.json': {
    title: '`@codex/jsonrpc`: memory and replies under hostile input',
    producer: 'pnpm --filter @codex/jsonrpc bench',
    caption: (json) =>
      `A JSON-RPC server in a child process at its defaults (${json.defaults ?? 'not recorded'}): peak RSS against oversized input and readers that stop reading, replies kept, and what it logs about garbage.`,
    rows: (json) => {
      const big = json.bigRepliesToPausedReader ?? {};
      const pipelined = json.pipelinedToPausedReader ?? {};
      return [
        row('idle server, peak RSS', json.idle?.peakRssMiB, 'MiB'),
        row('one 60 MB `[{},…]` line: peak RSS', json.hugeLine60MB?.peakRssMiB, 'MiB', {
          target: UNDER_256,
          original: BEFORE('1.94 GB'),
        }),
        row('one 60 MB line: answered -32700', json.hugeLine60MB?.answeredParseError, '', {
          target: target('=', true, '#2'),
        }),
        row(
          'three 60 MB WebSocket messages: peak RSS',
          json.threeWebSocketMessages60MB?.peakRssMiB,
          'MiB',
          {
            target: UNDER_256,
            original: BEFORE('5 GB'),
          },
        ),
        row(
          'three 60 MB WebSocket messages: close codes',
          json.threeWebSocketMessages60MB?.closeCodes,
        ),
        row('400 × 1 MB replies to a reader paused 3 s: peak RSS', big.peakRssMiB, 'MiB', {
          target: UNDER_256,
          original: BEFORE('+450 MB'),
        }),
        row('400 × 1 MB replies: replies received', big.repliesReceived, '', {
          target: target('=', big.requested ?? 400, '#11'),
        }),
        row(
          '40,000 pipelined requests, reader paused 4.5 s: replies received',
          pipelined.repliesReceived,
          '',
          {
            target: target('=', pipelined.requests ?? 40_000, '#11'),
            original: BEFORE('16,930'),
          },
        ),
        row('40,000 pipelined requests: peak RSS', pipelined.peakRssMiB, 'MiB', {
          target: UNDER_256,
        }),
        row(
          'stderr bytes logged for 1 MiB of garbage lines',
          json.garbageLogVolume?.stderrBytes,
          'bytes',
          {
            original: BEFORE('2.3 MB'),
          },
        ),
      ];
    },
  },
};

// ---- machine ----

const GiB = 2 ** 30;

function thisMachine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length || os.availableParallelism(),
    model: cpus[0]?.model.trim() || 'unknown CPU',
    memoryGiB: Math.round(os.totalmem() / GiB),
    node: process.version,
  };
}

/** The fields a result recorded about its machine, named as here. */
function recordedMachine(machine) {
  if (typeof machine !== 'object' || machine === null) return {};
  const memory =
    machine.memoryGiB ??
    (typeof machine.memoryBytes === 'number' ? Math.round(machine.memoryBytes / GiB) : undefined);
  return {
    cores: machine.cores ?? machine.cpus,
    model: typeof machine.model === 'string' ? machine.model.trim() : undefined,
    memoryGiB: memory,
    node: machine.node,
  };
}

function describe(machine) {
  return [
    machine.cores === undefined ? undefined : `${machine.cores} cores`,
    machine.model,
    machine.memoryGiB === undefined ? undefined : `${machine.memoryGiB} GiB memory`,
    machine.node === undefined ? undefined : `Node ${machine.node}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** The recorded fields that differ from this machine (a model may be recorded shortened). */
function differences(recorded, here) {
  const differs = {};
  for (const key of ['cores', 'memoryGiB', 'node'])
    if (recorded[key] !== undefined && recorded[key] !== here[key]) differs[key] = recorded[key];
  if (
    recorded.model !== undefined &&
    !here.model.includes(recorded.model) &&
    !recorded.model.includes(here.model)
  )
    differs.model = recorded.model;
  return differs;
}

// ---- the summary ----

const here = thisMachine();
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .sort();
const names = [...new Set([...files, ...Object.keys(KNOWN)])].sort();
const sections = [];
const unmet = [];
const unreadable = [];
const notRun = [];
const dates = [];
const counts = { '✓': 0, '✗': 0, '?': 0 };

for (const name of names) {
  const known = KNOWN[name];
  const heading = `## ${name}${known ? ` — ${known.title}` : ''}`;
  if (!files.includes(name)) {
    notRun.push(name);
    sections.push(`${heading}\n\nNot run: no \`${name}\` (written by \`${known.producer}\`).`);
    continue;
  }
  let json;
  try {
    json = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  } catch (error) {
    unreadable.push(name);
    sections.push(`${heading}\n\nUnreadable: ${cell(error.message)}`);
    continue;
  }
  if (!Number.isNaN(new Date(json.date).getTime())) dates.push(when(json.date));
  const lines = [heading, ''];
  let rows;
  try {
    if (known) {
      lines.push(known.caption(json), '');
      rows = known.rows(json);
    } else if (typeof json.figures === 'object' && json.figures !== null) {
      rows = figureRows(json.figures);
    } else {
      lines.push('No `figures` in this file: its numbers as recorded.', '');
      rows = leafRows(json);
    }
  } catch (error) {
    lines.push(`Could not summarise this file: ${cell(error.message)}`, '');
    rows = [];
  }
  const command = typeof json.command === 'string' ? ` · \`${json.command}\`` : '';
  const recorded = recordedMachine(json.machine);
  const differs = differences(recorded, here);
  const machine =
    Object.keys(differs).length > 0
      ? ` · recorded on another machine: ${describe(recorded)}`
      : Object.keys(recorded).some((key) => recorded[key] !== undefined)
        ? ' · this machine'
        : ' · machine not recorded';
  lines.push(`Run ${when(json.date)}${command}${machine}.`, '');
  if (rows.length > 0) {
    lines.push('| figure | value | target | original | met? |', '|---|---|---|---|---|');
    for (const entry of rows) {
      const mark = verdict(entry);
      if (mark in counts) counts[mark] += 1;
      const value = `${show(entry.value, entry.unit)}${entry.detail ? ` (${entry.detail})` : ''}`;
      if (mark === '✗')
        unmet.push(`${name}: ${entry.label} — ${value}, target ${showTarget(entry)}`);
      const original = entry.original === undefined ? '—' : show(entry.original, entry.unit);
      lines.push(
        `| ${[entry.label, value, showTarget(entry), original, mark].map(cell).join(' | ')} |`,
      );
    }
  }
  if (typeof json.targets === 'object' && json.targets !== null) {
    const failed = Object.keys(json.targets).filter((key) => json.targets[key] === false);
    lines.push(
      '',
      failed.length > 0
        ? `The benchmark's own checks that failed: ${failed.map((key) => `\`${key}\``).join(', ')}.`
        : "The benchmark's own checks (`targets`) all pass.",
    );
  }
  if (typeof json.note === 'string') lines.push('', `Note from the benchmark: ${json.note}`);
  sections.push(lines.join('\n').trimEnd());
}

const present = names.length - notRun.length;
dates.sort();
const span =
  dates.length === 0
    ? ''
    : dates[0] === dates.at(-1)
      ? `, run ${dates[0]}`
      : `, run ${dates[0]} to ${dates.at(-1)}`;
const header = [
  '# Benchmark summary',
  '',
  `Written by \`node scripts/bench-summary.mjs\` from \`bench/results/*.json\`; \`pnpm bench\` runs every package's benchmark, then this. Targets come from the issues (#N); "bench" marks a target as the benchmark recorded it. "original" is the released original (codex-cli 0.169.0) where it was measured, or our own figure before the fix where the issue gave one. Met: ✓ yes, ✗ no, — no target, ? not checkable.`,
  '',
  '- Command: `pnpm bench`',
  `- Summary date: ${when(new Date().toISOString())}`,
  `- Machine: ${describe(here)}, ${os.platform()} ${os.arch()}`,
  `- Results: ${present} of ${names.length} files${span}${notRun.length > 0 ? `; not run: ${notRun.join(', ')}` : ''}${unreadable.length > 0 ? `; unreadable: ${unreadable.join(', ')}` : ''}`,
  `- Targets: ${counts['✓']} met, ${counts['✗']} not met${counts['?'] > 0 ? `, ${counts['?']} not checkable` : ''}`,
];
if (unmet.length > 0) header.push('', '### Not met', '', ...unmet.map((line) => `- ${line}`));

writeFileSync(join(dir, OUTPUT), `${[header.join('\n'), ...sections].join('\n\n')}\n`);
console.log(
  `wrote ${join(dir, OUTPUT)}: ${present} results, ${counts['✓']} targets met, ${counts['✗']} not met`,
);
if (unreadable.length > 0) {
  console.error(`unreadable results: ${unreadable.join(', ')}`);
  process.exit(1);
}
