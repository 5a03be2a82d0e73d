import type { v2 } from '@codex/protocol';

/** The lifecycle points this engine runs hooks at, spelled as the config files spell them. */
export type HookEventName =
  | 'PreToolUse'
  | 'PostToolUse'
  | 'SessionStart'
  | 'UserPromptSubmit'
  | 'Stop';

/** `HookEventName` as the v2 protocol spells it (`eventName` of listings and runs). */
export type HookWireEventName = Extract<
  v2.HookEventName,
  'preToolUse' | 'postToolUse' | 'sessionStart' | 'userPromptSubmit' | 'stop'
>;

/** One line of a run's output as `hook/completed` reports it. */
export interface HookOutputEntry {
  /**
   * `feedback`: a block reason; `context`: additionalContext given to the model; `warning`: a
   * `systemMessage`; `stop`: a `stopReason`; `error`: why the run failed.
   */
  kind: 'warning' | 'stop' | 'feedback' | 'context' | 'error';
  /** The line's text. */
  text: string;
}

/** Where a run stands: `running` until it ends, then one of the others. */
export type HookRunStatus = 'running' | 'completed' | 'failed' | 'blocked' | 'stopped';

/** One run of one handler, as `hook/started` and `hook/completed` carry it (v2 wire shape). */
export interface HookRunSummary {
  /** `<event-kebab>:<displayOrder>:<sourcePath>`, plus `:<callId>` for tool events. */
  id: string;
  /** The event the hook ran for. */
  eventName: HookWireEventName;
  /** The kind of handler; only commands are run. */
  handlerType: 'command';
  /** `async` hooks run without holding up the turn. */
  executionMode: 'sync' | 'async';
  /** `thread` for SessionStart, `turn` for the others. */
  scope: 'thread' | 'turn';
  /** The hooks file that declares the handler. */
  sourcePath: string;
  /** Which layer that file belongs to (user, project, …). */
  source: v2.HookSource;
  /** The handler's position among all hooks, for display. */
  displayOrder: number;
  /** Where the run stands. */
  status: HookRunStatus;
  /** A short account of the outcome, when there is one. */
  statusMessage: string | null;
  /** Unix seconds. */
  startedAt: number;
  /** Unix seconds; null while running. */
  completedAt: number | null;
  /** How long the run took, in ms; null while running. */
  durationMs: number | null;
  /** The run's output lines. */
  entries: HookOutputEntry[];
}

/** One hook of a listing: the `command` variant of the v2 `HookMetadata` (the only kind run here). */
export type HookMetadata = Extract<
  v2.HookMetadata,
  {
    /** A command hook. */
    handlerType: 'command';
  }
>;

/** `hooks/list` for one cwd (a v2 `HooksListEntry`): the hooks found, and what was wrong. */
export interface HookListing extends Omit<v2.HooksListEntry, 'hooks'> {
  /** The hooks found. */
  hooks: HookMetadata[];
}

/** What the handlers of one event decided, merged. */
export interface HookOutcome {
  /**
   * Set when a hook blocked, with the reason: PreToolUse deny or exit 2 (the tool is not run),
   * UserPromptSubmit block or exit 2 (the turn does not run), Stop block or exit 2 (the agent
   * goes on with this text as a new prompt), PostToolUse block or exit 2 (feedback for the
   * model: the tool has run already). Reasons of several hooks are joined by a blank line.
   */
  readonly blocked: string | null;
  /** additionalContext strings (in handler order) to insert as developer messages. */
  readonly additionalContext: readonly string[];
  /** PreToolUse `updatedInput` (with `permissionDecision: "allow"`): the last one to finish wins. */
  readonly updatedInput?: Record<string, unknown>;
  /** `continue: false`: the turn stops, with this `stopReason` (or a default text). */
  readonly stop: string | null;
  /** `systemMessage`s, for the user (each is also a `warning` entry of its run). */
  readonly systemMessages: readonly string[];
}

/** What {@link HookEventName} maps to on the wire, in keys and in run ids. */
export interface HookEventInfo {
  readonly wire: HookWireEventName;
  /** In `[hooks.state]` keys: `pre_tool_use`. */
  readonly snake: string;
  /** In run ids: `pre-tool-use`. */
  readonly kebab: string;
  readonly scope: 'thread' | 'turn';
  /** The input field the matcher is tested against; null: matchers are ignored. */
  readonly matcherField: 'tool_name' | 'source' | null;
}

/** Every supported event, in display order (the order `displayOrder` counts in). */
export const HOOK_EVENTS: Readonly<Record<HookEventName, HookEventInfo>> = {
  PreToolUse: {
    wire: 'preToolUse',
    snake: 'pre_tool_use',
    kebab: 'pre-tool-use',
    scope: 'turn',
    matcherField: 'tool_name',
  },
  PostToolUse: {
    wire: 'postToolUse',
    snake: 'post_tool_use',
    kebab: 'post-tool-use',
    scope: 'turn',
    matcherField: 'tool_name',
  },
  SessionStart: {
    wire: 'sessionStart',
    snake: 'session_start',
    kebab: 'session-start',
    scope: 'thread',
    matcherField: 'source',
  },
  UserPromptSubmit: {
    wire: 'userPromptSubmit',
    snake: 'user_prompt_submit',
    kebab: 'user-prompt-submit',
    scope: 'turn',
    matcherField: null,
  },
  Stop: { wire: 'stop', snake: 'stop', kebab: 'stop', scope: 'turn', matcherField: null },
};

/** The supported events in display order. */
export const HOOK_EVENT_NAMES = Object.keys(HOOK_EVENTS) as readonly HookEventName[];

/** Whether `name` is a supported event. */
export const isHookEventName = (name: string): name is HookEventName =>
  Object.hasOwn(HOOK_EVENTS, name);
