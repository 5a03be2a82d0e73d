import type { core, v2 } from '@codex/protocol';

/**
 * Builders of v2 `ThreadItem`s (and of the in-progress `Turn`) from core data. Each builder
 * writes every field the released app-server writes, `null` where it has nothing, in the
 * original's key order, so that our items serialise as its transcripts show them.
 */

/** A v2 thread item of one `type`. */
export type ThreadItemOf<T extends v2.ThreadItem['type']> = Extract<
  v2.ThreadItem,
  {
    /** The item's type. */
    type: T;
  }
>;

/** The item lifecycle times every item carries (unix milliseconds; null while unknown). */
export interface ItemTimes {
  readonly startedAtMs: number | null;
  readonly completedAtMs: number | null;
}

/** The environment every command and approval runs in: the app-server only has the local one. */
export const LOCAL_ENVIRONMENT_ID = 'local';

// Characters a POSIX shell word may hold without quoting (Python's `shlex.quote` set).
const SHELL_SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument quoted for a POSIX shell: bare when safe, else in single quotes. */
export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (SHELL_SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/**
 * The display string of a command, as the original shows it in `commandExecution.command`:
 * each argument shell-quoted, joined by spaces (`/bin/bash -lc 'touch a && echo b'`).
 */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

// The shells whose `-c` / `-lc` script is the command the user reads (core's list).
const SHELL_NAMES = new Set(['bash', 'zsh', 'sh']);

/** The script of `bash -lc SCRIPT` (also `-c`, zsh and sh, by any path), or null. */
export function shellScriptOf(argv: readonly string[]): string | null {
  const [shell, flag, script, ...rest] = argv;
  if (shell === undefined || script === undefined || rest.length > 0) return null;
  const name = shell.slice(shell.lastIndexOf('/') + 1);
  if (!SHELL_NAMES.has(name) || (flag !== '-c' && flag !== '-lc')) return null;
  return script;
}

/**
 * Command actions for a command core sent no `parsed_cmd` for (an approval request): one
 * `unknown` action holding the shell script, or the quoted argv, as core's own parse does.
 */
export function commandActionsForArgv(argv: readonly string[]): v2.CommandAction[] {
  return [{ type: 'unknown', command: shellScriptOf(argv) ?? shellJoin(argv) }];
}

const textField = (value: Record<string, unknown>, key: string): string | null => {
  const field = value[key];
  return typeof field === 'string' ? field : null;
};

/**
 * Core's parsed commands (`parsed_cmd`: `read` / `list_files` / `search` / `unknown`, with
 * `cmd`) as v2 command actions; an entry of an unknown shape becomes `unknown`.
 */
export function commandActionsFromParsed(
  parsed: readonly unknown[] | undefined,
  argv: readonly string[],
): v2.CommandAction[] {
  if (parsed === undefined || parsed.length === 0) return commandActionsForArgv(argv);
  return parsed.map((entry): v2.CommandAction => {
    const value = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >;
    const command = textField(value, 'cmd') ?? textField(value, 'command') ?? shellJoin(argv);
    const path = textField(value, 'path');
    switch (value.type) {
      case 'read':
        if (path !== null) {
          return { type: 'read', command, name: textField(value, 'name') ?? path, path };
        }
        break;
      case 'list_files':
      case 'listFiles':
        return { type: 'listFiles', command, path };
      case 'search':
        return { type: 'search', command, query: textField(value, 'query'), path };
    }
    return { type: 'unknown', command };
  });
}

const COMMAND_SOURCES: Readonly<Record<core.ExecCommandSource, v2.CommandExecutionSource>> = {
  agent: 'agent',
  user_shell: 'userShell',
  unified_exec_startup: 'unifiedExecStartup',
  unified_exec_interaction: 'unifiedExecInteraction',
};

/** Core's command source (snake_case) as the v2 one. */
export function commandExecutionSource(
  source: core.ExecCommandSource | undefined,
): v2.CommandExecutionSource {
  return source === undefined ? 'agent' : COMMAND_SOURCES[source];
}

const NANOS_PER_MS = 1_000_000;

/** A core (Rust) duration in whole milliseconds, rounded down as the original does. */
export function durationMs(duration: core.Duration): number {
  return duration.secs * 1000 + Math.floor(duration.nanos / NANOS_PER_MS);
}

/** Unix seconds of a unix-milliseconds time. */
export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);

/** A user message: its text (when any) then its images, each as a v2 `UserInput`. */
export function userMessageItem(
  input: {
    readonly id: string;
    readonly message: string;
    readonly images?: readonly string[] | null | undefined;
    readonly localImages?: readonly string[] | null | undefined;
  } & ItemTimes,
): ThreadItemOf<'userMessage'> {
  const images = input.images ?? [];
  const localImages = input.localImages ?? [];
  const content: v2.UserInput[] = [];
  if (input.message !== '' || images.length + localImages.length === 0) {
    content.push({ type: 'text', text: input.message, text_elements: [] });
  }
  for (const url of images) content.push({ type: 'image', url });
  for (const path of localImages) content.push({ type: 'localImage', path });
  return {
    type: 'userMessage',
    id: input.id,
    clientId: null,
    content,
    startedAtMs: input.startedAtMs,
    completedAtMs: input.completedAtMs,
  };
}

/** An agent message; `id` is the Responses item id (`msg_…`). */
export function agentMessageItem(
  input: { readonly id: string; readonly text: string } & ItemTimes,
): ThreadItemOf<'agentMessage'> {
  return {
    type: 'agentMessage',
    moderation: null,
    id: input.id,
    text: input.text,
    phase: null,
    memoryCitation: null,
    delivery: null,
    questions: null,
    startedAtMs: input.startedAtMs,
    completedAtMs: input.completedAtMs,
  };
}

/** A reasoning item: its summary parts and (raw reasoning, when shown) content parts. */
export function reasoningItem(
  input: {
    readonly id: string;
    readonly summary: readonly string[];
    readonly content: readonly string[];
  } & ItemTimes,
): ThreadItemOf<'reasoning'> {
  return {
    type: 'reasoning',
    id: input.id,
    summary: [...input.summary],
    content: [...input.content],
    startedAtMs: input.startedAtMs,
    completedAtMs: input.completedAtMs,
  };
}

/** What a command item says about the command, before and after it ran. */
export interface CommandExecutionInput extends ItemTimes {
  /** The call id of the tool call that runs it. */
  readonly id: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly commandActions: readonly v2.CommandAction[];
  readonly source: v2.CommandExecutionSource;
  readonly status: v2.CommandExecutionStatus;
  readonly processId?: string | null | undefined;
  readonly aggregatedOutput?: string | null | undefined;
  readonly exitCode?: number | null | undefined;
  readonly durationMs?: number | null | undefined;
}

/** A command execution; `command` is the shell-quoted argv. */
export function commandExecutionItem(
  input: CommandExecutionInput,
): ThreadItemOf<'commandExecution'> {
  return {
    type: 'commandExecution',
    id: input.id,
    pluginId: null,
    scriptPath: null,
    command: shellJoin(input.argv),
    cwd: input.cwd,
    processId: input.processId ?? null,
    source: input.source,
    status: input.status,
    commandActions: [...input.commandActions],
    aggregatedOutput: input.aggregatedOutput ?? null,
    exitCode: input.exitCode ?? null,
    durationMs: input.durationMs ?? null,
    startedAtMs: input.startedAtMs,
    completedAtMs: input.completedAtMs,
  };
}

/**
 * A patch's changes as v2 file changes, sorted by path as the original sends them: an added
 * or deleted file's diff is its content, an updated one's its unified diff.
 */
export function fileUpdateChanges(
  changes: Readonly<Record<string, core.FileChange>>,
): v2.FileUpdateChange[] {
  return Object.entries(changes)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([path, change]) => fileUpdateChange(path, change));
}

function fileUpdateChange(path: string, change: core.FileChange): v2.FileUpdateChange {
  switch (change.type) {
    case 'add':
      return { path, kind: { type: 'add' }, diff: change.content };
    case 'delete':
      return { path, kind: { type: 'delete' }, diff: change.content };
    case 'update':
      return {
        path,
        kind: { type: 'update', move_path: change.move_path ?? null },
        diff: change.unified_diff,
      };
  }
}

/** A patch applied (or proposed) by the agent. */
export function fileChangeItem(
  input: {
    readonly id: string;
    readonly changes: readonly v2.FileUpdateChange[];
    readonly status: v2.PatchApplyStatus;
  } & ItemTimes,
): ThreadItemOf<'fileChange'> {
  return {
    type: 'fileChange',
    id: input.id,
    changes: [...input.changes],
    status: input.status,
    startedAtMs: input.startedAtMs,
    completedAtMs: input.completedAtMs,
  };
}

/** An image the agent looked at (`view_image`). */
export function imageViewItem(
  input: { readonly id: string; readonly path: string } & ItemTimes,
): ThreadItemOf<'imageView'> {
  return {
    type: 'imageView',
    id: input.id,
    path: input.path,
    startedAtMs: input.startedAtMs,
    completedAtMs: input.completedAtMs,
  };
}

/** A web search the model ran. */
export function webSearchItem(
  input: {
    readonly id: string;
    readonly query: string;
    readonly action?: v2.WebSearchAction | null | undefined;
  } & ItemTimes,
): ThreadItemOf<'webSearch'> {
  return {
    type: 'webSearch',
    id: input.id,
    query: input.query,
    action: input.action ?? null,
    startedAtMs: input.startedAtMs,
    completedAtMs: input.completedAtMs,
  };
}

/** A plan item (plan mode's proposed plan). */
export function planItem(
  input: { readonly id: string; readonly text: string } & ItemTimes,
): ThreadItemOf<'plan'> {
  return {
    type: 'plan',
    id: input.id,
    text: input.text,
    startedAtMs: input.startedAtMs,
    completedAtMs: input.completedAtMs,
  };
}

/** The conversation was summarised to free context. */
export function contextCompactionItem(
  input: { readonly id: string } & ItemTimes,
): ThreadItemOf<'contextCompaction'> {
  return {
    type: 'contextCompaction',
    id: input.id,
    startedAtMs: input.startedAtMs,
    completedAtMs: input.completedAtMs,
  };
}

/** Core's plan step status as the v2 one. */
export function turnPlanStep(step: core.PlanItem): v2.TurnPlanStep {
  return {
    step: step.step,
    status: step.status === 'in_progress' ? 'inProgress' : step.status,
  };
}

/**
 * A turn that has started and not finished: what `turn/start` answers (with `startedAt` null)
 * and what `turn/started` carries (with `startedAt` in unix seconds). Items are not loaded.
 */
export function inProgressTurn(turnId: string, startedAt: number | null): v2.Turn {
  return {
    id: turnId,
    rootTurnId: turnId,
    items: [],
    itemsView: 'notLoaded',
    status: 'inProgress',
    error: null,
    startedAt,
    completedAt: null,
    durationMs: null,
  };
}

/** What an MCP server answered, as a v2 `mcpToolCall` item's `result`. */
export function mcpToolCallResult(result: {
  readonly content: readonly unknown[];
  readonly structuredContent?: unknown;
  readonly _meta?: unknown;
}): v2.McpToolCallResult {
  return {
    content: [...result.content],
    structuredContent: result.structuredContent ?? null,
    _meta: result._meta ?? null,
  };
}

/** A call of an MCP server's tool: `server` and `tool` are the real (unsanitized) names. */
export function mcpToolCallItem(
  input: {
    readonly id: string;
    readonly server: string;
    readonly tool: string;
    readonly status: v2.McpToolCallStatus;
    readonly arguments: unknown;
    readonly readOnlyHint?: boolean | null | undefined;
    readonly result?: v2.McpToolCallResult | null | undefined;
    readonly error?: string | null | undefined;
    readonly durationMs?: number | null | undefined;
  } & ItemTimes,
): ThreadItemOf<'mcpToolCall'> {
  return {
    type: 'mcpToolCall',
    id: input.id,
    server: input.server,
    tool: input.tool,
    status: input.status,
    arguments: input.arguments ?? null,
    appContext: null,
    mcpAppUi: null,
    pluginId: null,
    readOnlyHint: input.readOnlyHint ?? null,
    result: input.result ?? null,
    error: input.error === null || input.error === undefined ? null : { message: input.error },
    durationMs: input.durationMs ?? null,
    startedAtMs: input.startedAtMs,
    completedAtMs: input.completedAtMs,
  };
}

/** A call of a tool the client registered in `thread/start` (`dynamicTools`). */
export function dynamicToolCallItem(
  input: {
    readonly id: string;
    readonly namespace: string | null;
    readonly tool: string;
    readonly arguments: unknown;
    readonly status: v2.DynamicToolCallStatus;
    readonly contentItems?: readonly v2.DynamicToolCallOutputContentItem[] | null | undefined;
    readonly success?: boolean | null | undefined;
    readonly durationMs?: number | null | undefined;
  } & ItemTimes,
): ThreadItemOf<'dynamicToolCall'> {
  return {
    type: 'dynamicToolCall',
    id: input.id,
    namespace: input.namespace,
    tool: input.tool,
    arguments: input.arguments ?? null,
    status: input.status,
    contentItems: input.contentItems ? [...input.contentItems] : null,
    success: input.success ?? null,
    durationMs: input.durationMs ?? null,
    startedAtMs: input.startedAtMs,
    completedAtMs: input.completedAtMs,
  };
}
