import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTomlDocument } from '../src/config/toml.js';
import { runHookCommand } from '../src/hooks/command.js';
import {
  HOOK_OUTPUT_LIMIT_BYTES,
  type HookEventName,
  type HookListing,
  type HookRunSummary,
  Hooks,
} from '../src/hooks/index.js';
import { recordingLogger } from './helpers.js';

const HOOK_SCRIPT = fileURLToPath(new URL('./fixtures/hooks/hook.mjs', import.meta.url));
const hookCommand = (mode: string) => `"${process.execPath}" "${HOOK_SCRIPT}" ${mode}`;

interface Handler {
  type?: string;
  command?: string;
  timeout?: number;
  statusMessage?: string;
  async?: boolean;
}
type Groups = Partial<Record<string, { matcher?: string; hooks: Handler[] }[]>>;

let home: string;
let cwd: string;
let record: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'codex-hooks-home-'));
  cwd = mkdtempSync(join(tmpdir(), 'codex-hooks-cwd-'));
  record = join(home, 'record.jsonl');
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(cwd, { recursive: true, force: true });
});

const writeHooksJson = (hooks: Groups, folder = home) =>
  writeFileSync(join(folder, 'hooks.json'), JSON.stringify({ hooks }));

/** The user config.toml as the loader would merge it, read from a real file. */
function userToml(text = ''): Record<string, unknown> {
  writeFileSync(join(home, 'config.toml'), text);
  return parseTomlDocument(readFileSync(join(home, 'config.toml'), 'utf8')).value;
}

/** `[hooks.state]` lines that trust every hook of `listing`. */
const trustLines = (listing: HookListing) =>
  listing.hooks
    .map(
      (hook) => `[hooks.state.${JSON.stringify(hook.key)}]\ntrusted_hash = "${hook.currentHash}"\n`,
    )
    .join('\n');

const load = (toml: Record<string, unknown>, logger = recordingLogger()) =>
  Hooks.load({ codexHome: home, cwd, toml, env: { ...process.env, HOOK_RECORD: record }, logger });

/** Loads with the given config text, then again with every discovered hook trusted. */
async function loadTrusted(configText = '') {
  const first = await load(userToml(configText));
  return load(userToml(`${trustLines(first.listing())}\n${configText}`));
}

const recorded = (): {
  mode: string;
  input: Record<string, unknown>;
  cwd: string;
  codexHome: string;
}[] =>
  existsSync(record)
    ? readFileSync(record, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];

/** Runs an event and collects the run summaries it reported. */
async function runEvent(
  hooks: Hooks,
  event: HookEventName,
  input: Record<string, unknown>,
  extra: { callId?: string; matcherAliases?: string[]; signal?: AbortSignal } = {},
) {
  const started: HookRunSummary[] = [];
  const completed: HookRunSummary[] = [];
  const outcome = await hooks.run(event, input, {
    ...extra,
    onStarted: (run) => started.push(run),
    onCompleted: (run) => completed.push(run),
  });
  return { outcome, started, completed };
}

const toolInput = (toolName: string) => ({
  session_id: 'thread-1',
  transcript_path: null,
  cwd,
  model: 'mock-model',
  permission_mode: 'bypassPermissions',
  turn_id: 'turn-1',
  tool_name: toolName,
  tool_input: { command: 'ls' },
  tool_use_id: 'call_1',
});

/** Alive and not a zombie waiting for a reaper. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}

describe('hook discovery', () => {
  it('lists hooks.json and [hooks] hooks with keys, hashes, trust states and display order', async () => {
    writeHooksJson({
      Stop: [{ matcher: 'ignored', hooks: [{ type: 'command', command: 'echo stop' }] }],
      PreToolUse: [
        {
          matcher: '.*',
          hooks: [
            {
              type: 'command',
              command: 'node /tmp/research/mcpc/hook.mjs PreToolUse',
              timeout: 10,
            },
            { type: 'command', command: 'echo second', statusMessage: 'Checking' },
          ],
        },
      ],
    });
    const tomlHooks = `
[[hooks.PostToolUse]]
matcher = "Bash"
[[hooks.PostToolUse.hooks]]
type = "command"
command = "echo post"
timeout = 0
`;
    const jsonPath = join(home, 'hooks.json');
    const tomlPath = join(home, 'config.toml');
    const first = (await load(userToml(tomlHooks))).listing();
    const keyOf = (index: number) => first.hooks[index]?.key ?? '';
    const hashOf = (index: number) => first.hooks[index]?.currentHash ?? '';
    const state = `${tomlHooks}
[hooks.state.${JSON.stringify(keyOf(0))}]
trusted_hash = "${hashOf(0)}"
[hooks.state.${JSON.stringify(keyOf(1))}]
trusted_hash = "sha256:0000"
[hooks.state.${JSON.stringify(keyOf(2))}]
trusted_hash = "${hashOf(2)}"
enabled = false
`;
    const listing = (await load(userToml(state))).listing();

    expect(listing.cwd).toBe(cwd);
    expect(listing.errors).toStrictEqual([]);
    expect(listing.warnings).toStrictEqual([
      `loading hooks from both ${jsonPath} and ${tomlPath}; prefer a single representation for this layer`,
    ]);
    expect(
      listing.hooks.map((hook) => [hook.key, hook.displayOrder, hook.trustStatus, hook.enabled]),
    ).toStrictEqual([
      [`${jsonPath}:pre_tool_use:0:0`, 0, 'trusted', true],
      [`${jsonPath}:pre_tool_use:0:1`, 1, 'modified', true],
      [`${jsonPath}:stop:0:0`, 2, 'trusted', false],
      [`${tomlPath}:post_tool_use:0:0`, 3, 'untrusted', true],
    ]);
    // The whole v2 shape, and the hash the original gives this very definition.
    expect(listing.hooks[0]).toStrictEqual({
      key: `${jsonPath}:pre_tool_use:0:0`,
      eventName: 'preToolUse',
      handlerType: 'command',
      command: 'node /tmp/research/mcpc/hook.mjs PreToolUse',
      async: false,
      matcher: '.*',
      timeoutSec: 10,
      statusMessage: null,
      additionalContextLimit: null,
      sourcePath: jsonPath,
      source: 'user',
      pluginId: null,
      environmentId: null,
      displayOrder: 0,
      enabled: true,
      isManaged: false,
      currentHash: 'sha256:3164306290df99fe1e686f2f1f457ec58a98c78855ad95e86b690ff09bb6b7a5',
      trustStatus: 'trusted',
    });
    expect(listing.hooks[1]).toMatchObject({ timeoutSec: 600, statusMessage: 'Checking' });
    // Stop has nothing to match: the matcher is dropped. A zero timeout becomes one second.
    expect(listing.hooks[2]).toMatchObject({ eventName: 'stop', matcher: null });
    expect(listing.hooks[3]).toMatchObject({
      eventName: 'postToolUse',
      matcher: 'Bash',
      timeoutSec: 1,
    });
  });

  it('skips unknown events, other handler types and bad matchers with warnings', async () => {
    writeHooksJson({
      PreToolUse: [
        { matcher: '(', hooks: [{ type: 'command', command: 'echo never' }] },
        { matcher: 'Bash', hooks: [{ type: 'prompt' }, { type: 'command', command: 'echo kept' }] },
      ],
      Bogus: [{ hooks: [{ type: 'command', command: 'echo bogus' }] }],
      PreCompact: [{ hooks: [{ type: 'command', command: 'echo compact' }] }],
      SessionStart: [{ hooks: [{ type: 'command', command: '   ' }] }],
    });
    const logger = recordingLogger();
    const listing = (await load(userToml(), logger)).listing();
    const path = join(home, 'hooks.json');

    expect(listing.hooks.map((hook) => [hook.key, hook.command])).toStrictEqual([
      [`${path}:pre_tool_use:1:1`, 'echo kept'],
    ]);
    expect(listing.warnings).toHaveLength(5);
    expect(listing.warnings).toEqual(
      expect.arrayContaining([
        `skipping unknown hook event \`Bogus\` in ${path}`,
        `skipping PreCompact hooks in ${path}: the event is not supported`,
        expect.stringMatching(/^invalid matcher "\(" in .*hooks\.json: /),
        `skipping prompt hook in ${path}: prompt hooks are not supported`,
        `skipping empty hook command in ${path}`,
      ]),
    );
    // Each is logged once, at load.
    expect(logger.lines.filter((line) => line.startsWith('warn hooks:'))).toHaveLength(5);
  });

  it('reports a malformed hooks.json as an error of the listing without quoting it', async () => {
    writeFileSync(join(home, 'hooks.json'), '{"hooks": {"PreToolUse": "sk-secret-token" ]');
    const hooks = await load(userToml());
    const listing = hooks.listing();

    expect(listing.hooks).toStrictEqual([]);
    expect(listing.errors).toHaveLength(1);
    expect(listing.errors[0]?.path).toBe(join(home, 'hooks.json'));
    expect(listing.errors[0]?.message).toMatch(
      /^failed to parse hooks config: invalid JSON at line 1/,
    );
    expect(JSON.stringify(listing)).not.toContain('sk-secret');
    expect(hooks.has('PreToolUse')).toBe(false);
  });

  it('loads project hooks only when the project is trusted', async () => {
    mkdirSync(join(cwd, '.git'));
    mkdirSync(join(cwd, '.codex'));
    writeHooksJson(
      { Stop: [{ hooks: [{ type: 'command', command: 'echo project' }] }] },
      join(cwd, '.codex'),
    );

    expect((await load(userToml())).listing().hooks).toStrictEqual([]);
    const trusted = await load(
      userToml(`[projects.${JSON.stringify(cwd)}]\ntrust_level = "trusted"\n`),
    );
    expect(trusted.listing().hooks).toMatchObject([
      { source: 'project', sourcePath: join(cwd, '.codex', 'hooks.json'), command: 'echo project' },
    ]);
  });
});

describe('running hooks', () => {
  it('does not run untrusted, modified or disabled hooks', async () => {
    const marker = join(cwd, 'ran');
    writeHooksJson({
      PreToolUse: [{ hooks: [{ type: 'command', command: `touch "${marker}"` }] }],
      Stop: [{ hooks: [{ type: 'command', command: `touch "${marker}"` }] }],
    });
    const first = await load(userToml());
    const [pre, stop] = first.listing().hooks;
    const hooks = await load(
      userToml(
        `[hooks.state.${JSON.stringify(pre?.key)}]\ntrusted_hash = "sha256:stale"\n` +
          `[hooks.state.${JSON.stringify(stop?.key)}]\ntrusted_hash = "${stop?.currentHash}"\nenabled = false\n`,
      ),
    );

    for (const candidate of [first, hooks]) {
      expect(candidate.has('PreToolUse')).toBe(false);
      expect(candidate.has('Stop')).toBe(false);
      const { outcome, completed } = await runEvent(candidate, 'PreToolUse', toolInput('Bash'));
      expect(outcome.blocked).toBeNull();
      expect(completed).toStrictEqual([]);
      await candidate.run('Stop', { stop_hook_active: false });
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('runs an allowing PreToolUse hook with the input on stdin, in cwd, with CODEX_HOME', async () => {
    writeHooksJson({
      PreToolUse: [{ matcher: '.*', hooks: [{ type: 'command', command: hookCommand('allow') }] }],
    });
    const hooks = await loadTrusted();
    expect(hooks.has('PreToolUse')).toBe(true);
    const { outcome, started, completed } = await runEvent(hooks, 'PreToolUse', toolInput('Bash'), {
      callId: 'call_1',
    });

    expect(outcome).toStrictEqual({
      blocked: null,
      additionalContext: [],
      stop: null,
      systemMessages: [],
    });
    const path = join(home, 'hooks.json');
    expect(started).toMatchObject([
      { id: `pre-tool-use:0:${path}:call_1`, status: 'running', completedAt: null },
    ]);
    expect(completed).toMatchObject([
      {
        id: `pre-tool-use:0:${path}:call_1`,
        eventName: 'preToolUse',
        handlerType: 'command',
        executionMode: 'sync',
        scope: 'turn',
        sourcePath: path,
        source: 'user',
        displayOrder: 0,
        status: 'completed',
        statusMessage: null,
        entries: [],
      },
    ]);
    expect(completed[0]?.durationMs).toBeGreaterThanOrEqual(0);
    const [run] = recorded();
    expect(run?.input).toStrictEqual({ ...toolInput('Bash'), hook_event_name: 'PreToolUse' });
    expect(run?.cwd).toBe(cwd);
    expect(run?.codexHome).toBe(home);
  });

  it('blocks a tool call on a JSON deny', async () => {
    writeHooksJson({
      PreToolUse: [{ hooks: [{ type: 'command', command: hookCommand('deny') }] }],
    });
    const hooks = await loadTrusted();
    const { outcome, completed } = await runEvent(
      hooks,
      'PreToolUse',
      toolInput('mcp__test__echo'),
    );

    expect(outcome.blocked).toBe('denied by test hook');
    expect(completed).toMatchObject([
      { status: 'blocked', entries: [{ kind: 'feedback', text: 'denied by test hook' }] },
    ]);
  });

  it('blocks a tool call on exit code 2 with the reason from stderr', async () => {
    writeHooksJson({
      PreToolUse: [
        {
          hooks: [
            { type: 'command', command: "cat > /dev/null; echo 'not on my watch' >&2; exit 2" },
          ],
        },
      ],
    });
    const hooks = await loadTrusted();
    const { outcome, completed } = await runEvent(hooks, 'PreToolUse', toolInput('Bash'));

    expect(outcome.blocked).toBe('not on my watch');
    expect(completed[0]).toMatchObject({
      status: 'blocked',
      entries: [{ kind: 'feedback', text: 'not on my watch' }],
    });
  });

  it('fails, without blocking, a hook exiting with another code', async () => {
    writeHooksJson({
      PreToolUse: [{ hooks: [{ type: 'command', command: 'echo oops >&2; exit 1' }] }],
    });
    const hooks = await loadTrusted();
    const { outcome, completed } = await runEvent(hooks, 'PreToolUse', toolInput('Bash'));

    expect(outcome.blocked).toBeNull();
    expect(completed[0]).toMatchObject({
      status: 'failed',
      entries: [{ kind: 'error', text: 'hook exited with code 1' }],
    });
  });

  it('returns PreToolUse updatedInput from an allowing hook', async () => {
    writeHooksJson({
      PreToolUse: [{ hooks: [{ type: 'command', command: hookCommand('rewrite') }] }],
    });
    const hooks = await loadTrusted();
    const { outcome, completed } = await runEvent(hooks, 'PreToolUse', toolInput('Bash'));

    expect(outcome.updatedInput).toStrictEqual({ command: 'echo rewritten' });
    expect(completed[0]?.status).toBe('completed');
  });

  it('gives PostToolUse additionalContext to the caller', async () => {
    writeHooksJson({
      PostToolUse: [{ hooks: [{ type: 'command', command: hookCommand('context') }] }],
    });
    const hooks = await loadTrusted();
    const { outcome, completed } = await runEvent(hooks, 'PostToolUse', {
      ...toolInput('Bash'),
      tool_response: 'ok',
    });

    expect(outcome.additionalContext).toStrictEqual(['context from PostToolUse']);
    expect(outcome.blocked).toBeNull();
    expect(completed[0]).toMatchObject({
      status: 'completed',
      entries: [{ kind: 'context', text: 'context from PostToolUse' }],
    });
  });

  it('runs only the handlers whose matcher accepts the tool name or an alias', async () => {
    writeHooksJson({
      PreToolUse: [
        { matcher: 'Bash', hooks: [{ type: 'command', command: hookCommand('allow') }] },
        { matcher: 'mcp__.*', hooks: [{ type: 'command', command: hookCommand('allow') }] },
        { matcher: 'Edit|Write', hooks: [{ type: 'command', command: hookCommand('allow') }] },
        { matcher: '*', hooks: [{ type: 'command', command: hookCommand('allow') }] },
      ],
    });
    const hooks = await loadTrusted();
    const orders = async (tool: string, aliases: string[] = []) =>
      (await runEvent(hooks, 'PreToolUse', toolInput(tool), { matcherAliases: aliases })).completed
        .map((run) => run.displayOrder)
        .sort();

    expect(await orders('Bash')).toStrictEqual([0, 3]);
    expect(await orders('BashOutput')).toStrictEqual([3]);
    expect(await orders('mcp__test__echo')).toStrictEqual([1, 3]);
    expect(await orders('apply_patch', ['Write', 'Edit'])).toStrictEqual([2, 3]);
    // Only `tool_name` reaches stdin, never an alias.
    expect(recorded().map((run) => run.input.tool_name)).not.toContain('Write');
  });

  it('kills a hook past its timeout together with what it started', async () => {
    const pidFile = join(cwd, 'child.pid');
    writeHooksJson({
      PreToolUse: [
        {
          hooks: [
            { type: 'command', command: `sleep 30 & echo $! > "${pidFile}"; wait`, timeout: 1 },
          ],
        },
      ],
    });
    const hooks = await loadTrusted();
    const started = Date.now();
    const { outcome, completed } = await runEvent(hooks, 'PreToolUse', toolInput('Bash'));

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome.blocked).toBeNull();
    expect(completed[0]).toMatchObject({
      status: 'failed',
      entries: [{ kind: 'error', text: 'hook timed out after 1s' }],
    });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    const deadline = Date.now() + 3_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(pid)).toBe(false);
  });

  it('kills running hooks when the signal aborts', async () => {
    writeHooksJson({ Stop: [{ hooks: [{ type: 'command', command: 'sleep 30', timeout: 60 }] }] });
    const hooks = await loadTrusted();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const { outcome, completed } = await runEvent(hooks, 'Stop', {}, { signal: controller.signal });

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome.blocked).toBeNull();
    expect(completed[0]).toMatchObject({
      status: 'failed',
      entries: [{ kind: 'error', text: 'hook was cancelled' }],
    });
  });

  it('keeps at most the output limit of a hook that floods stdout, and still completes', async () => {
    const flood = `head -c ${8 * HOOK_OUTPUT_LIMIT_BYTES} /dev/zero | tr '\\0' x`;
    const direct = await runHookCommand({
      command: flood,
      cwd,
      env: {},
      stdin: '',
      timeoutSec: 30,
    });
    expect(direct.exitCode).toBe(0);
    expect(direct.error).toBeNull();
    expect(direct.stdout.length).toBe(HOOK_OUTPUT_LIMIT_BYTES);

    writeHooksJson({
      PostToolUse: [{ hooks: [{ type: 'command', command: flood, timeout: 30 }] }],
    });
    const hooks = await loadTrusted();
    const { outcome, completed } = await runEvent(hooks, 'PostToolUse', toolInput('Bash'));
    // Not JSON and not for an event that takes plain text: ignored, as in the original.
    expect(outcome.additionalContext).toStrictEqual([]);
    expect(completed[0]).toMatchObject({ status: 'completed', entries: [] });
  });

  it('survives a hook that never reads a large stdin', async () => {
    writeHooksJson({ UserPromptSubmit: [{ hooks: [{ type: 'command', command: 'exit 0' }] }] });
    const hooks = await loadTrusted();
    const { completed } = await runEvent(hooks, 'UserPromptSubmit', {
      prompt: 'x'.repeat(4 * 1024 * 1024),
    });
    expect(completed[0]).toMatchObject({ status: 'completed', entries: [] });
  });

  it('takes UserPromptSubmit plain text as context and a block as the reason', async () => {
    writeHooksJson({
      UserPromptSubmit: [
        { hooks: [{ type: 'command', command: hookCommand('plain') }] },
        { hooks: [{ type: 'command', command: hookCommand('block') }] },
      ],
    });
    const hooks = await loadTrusted();
    const { outcome, completed } = await runEvent(hooks, 'UserPromptSubmit', { prompt: 'hi' });

    expect(outcome.additionalContext).toStrictEqual(['plain text from the hook']);
    expect(outcome.blocked).toBe('blocked by UserPromptSubmit hook');
    expect(completed.map((run) => run.status).sort()).toStrictEqual(['blocked', 'completed']);
  });

  it('stops on continue:false, outranking a Stop block', async () => {
    writeHooksJson({
      Stop: [
        { hooks: [{ type: 'command', command: hookCommand('block') }] },
        { hooks: [{ type: 'command', command: hookCommand('halt') }] },
      ],
    });
    const hooks = await loadTrusted();
    const { outcome, completed } = await runEvent(hooks, 'Stop', { stop_hook_active: false });

    expect(outcome.stop).toBe('halted by test hook');
    expect(outcome.blocked).toBeNull();
    expect(outcome.systemMessages).toStrictEqual(['heads up']);
    const halted = completed.find((run) => run.displayOrder === 1);
    expect(halted).toMatchObject({
      status: 'stopped',
      scope: 'turn',
      entries: [
        { kind: 'warning', text: 'heads up' },
        { kind: 'stop', text: 'halted by test hook' },
      ],
    });
  });

  it('continues a Stop with the block reason when no hook stops', async () => {
    writeHooksJson({ Stop: [{ hooks: [{ type: 'command', command: hookCommand('block') }] }] });
    const hooks = await loadTrusted();
    const { outcome } = await runEvent(hooks, 'Stop', { stop_hook_active: false });
    expect(outcome.blocked).toBe('blocked by Stop hook');
    expect(outcome.stop).toBeNull();
  });

  it('matches SessionStart on source and reports it with thread scope', async () => {
    writeHooksJson({
      SessionStart: [
        { matcher: 'resume', hooks: [{ type: 'command', command: hookCommand('context') }] },
      ],
    });
    const hooks = await loadTrusted();
    expect((await runEvent(hooks, 'SessionStart', { source: 'startup' })).completed).toStrictEqual(
      [],
    );
    const { outcome, completed } = await runEvent(hooks, 'SessionStart', { source: 'resume' });
    expect(outcome.additionalContext).toStrictEqual(['context from SessionStart']);
    expect(completed[0]).toMatchObject({
      scope: 'thread',
      id: `session-start:0:${join(home, 'hooks.json')}`,
    });
  });
});
