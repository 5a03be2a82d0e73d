import type { core } from '@codex/protocol';
import type { HookEventName, HookOutcome, Hooks } from '../hooks/index.js';
import type { ToolCall } from './tool-call.js';
import type { TurnContext } from './turn-context.js';

/** What every hook's stdin carries besides its event's fields. */
export interface HookBase {
  readonly sessionId: string;
  /** The thread's rollout, when it has one. */
  readonly transcriptPath: string | null;
}

/** How a tool call looks to hooks: Claude-compatible names (`Bash` for shell commands). */
interface HookToolView {
  readonly name: string;
  readonly input: Record<string, unknown>;
  /** Other names a matcher may use for it (`Write`/`Edit` for `apply_patch`). */
  readonly aliases: readonly string[];
}

const SHELL_TOOLS = new Set(['exec_command', 'shell', 'shell_command', 'local_shell']);

/**
 * The hook points of one turn: `SessionStart` (the session's first turn), `UserPromptSubmit`,
 * `PreToolUse` / `PostToolUse` around every tool call, and `Stop` when the agent is about to
 * end its turn. Each run is reported with `hook_started` / `hook_completed`.
 */
export class TurnHooks {
  constructor(
    private readonly hooks: Hooks,
    private readonly base: HookBase,
    private readonly context: TurnContext,
    private readonly emit: (msg: core.EventMsg) => void,
    private readonly signal: AbortSignal,
  ) {}

  /** Context the `SessionStart` hooks add, for the session's first turn. */
  async sessionStart(source: 'startup' | 'resume'): Promise<readonly string[]> {
    if (!this.hooks.has('SessionStart')) return [];
    const outcome = await this.run('SessionStart', { source }, null, 'thread');
    return outcome.additionalContext;
  }

  /** Whether the prompt may go to the model (`blocked`), and the context hooks add to it. */
  async userPromptSubmit(prompt: string): Promise<HookOutcome | null> {
    if (!this.hooks.has('UserPromptSubmit')) return null;
    return this.run('UserPromptSubmit', { turn_id: this.context.turnId, prompt }, null);
  }

  /**
   * Runs the `PreToolUse` hooks of a call: null when it may run as is, else why it may not, or
   * the call with the input a hook rewrote.
   */
  async preToolUse(
    call: ToolCall,
  ): Promise<{ readonly blocked: string } | { readonly call: ToolCall } | null> {
    if (!this.hooks.has('PreToolUse')) return null;
    const view = toolView(call);
    const outcome = await this.run(
      'PreToolUse',
      {
        turn_id: this.context.turnId,
        tool_name: view.name,
        tool_input: view.input,
        tool_use_id: call.callId,
      },
      call.callId,
      'turn',
      view.aliases,
    );
    if (outcome.blocked !== null) {
      const reason = outcome.blocked;
      return {
        blocked: SHELL_TOOLS.has(call.name)
          ? `Command blocked by PreToolUse hook: ${reason}. Command: ${String(view.input.command ?? '')}`
          : `Tool call blocked by PreToolUse hook: ${reason}. Tool: ${view.name}`,
      };
    }
    if (outcome.updatedInput) return { call: withInput(call, outcome.updatedInput) };
    return null;
  }

  /** Context (and feedback) `PostToolUse` hooks give the model after a call's output. */
  async postToolUse(call: ToolCall, response: unknown): Promise<readonly string[]> {
    if (!this.hooks.has('PostToolUse')) return [];
    const view = toolView(call);
    const outcome = await this.run(
      'PostToolUse',
      {
        turn_id: this.context.turnId,
        tool_name: view.name,
        tool_input: view.input,
        tool_use_id: call.callId,
        tool_response: response,
      },
      call.callId,
      'turn',
      view.aliases,
    );
    return outcome.blocked === null
      ? outcome.additionalContext
      : [...outcome.additionalContext, outcome.blocked];
  }

  /** What the agent is told to go on with when a `Stop` hook blocks the end of the turn. */
  async stop(lastMessage: string | null, active: boolean): Promise<string | null> {
    if (!this.hooks.has('Stop')) return null;
    const outcome = await this.run(
      'Stop',
      {
        turn_id: this.context.turnId,
        stop_hook_active: active,
        last_assistant_message: lastMessage,
      },
      null,
    );
    return outcome.stop === null ? outcome.blocked : null;
  }

  private run(
    event: HookEventName,
    fields: Record<string, unknown>,
    callId: string | null,
    scope: 'turn' | 'thread' = 'turn',
    aliases: readonly string[] = [],
  ): Promise<HookOutcome> {
    const turnId = scope === 'thread' ? null : this.context.turnId;
    return this.hooks.run(
      event,
      {
        session_id: this.base.sessionId,
        transcript_path: this.base.transcriptPath,
        cwd: this.context.cwd,
        model: this.context.model,
        permission_mode: permissionMode(this.context),
        ...fields,
      },
      {
        signal: this.signal,
        callId,
        matcherAliases: aliases,
        onStarted: (run) => this.emit({ type: 'hook_started', turn_id: turnId, run }),
        onCompleted: (run) => this.emit({ type: 'hook_completed', turn_id: turnId, run }),
      },
    );
  }
}

/** Claude's permission modes, as the turn's policies map to them. */
function permissionMode(context: TurnContext): string {
  if (context.approvalPolicy === 'never' && context.sandboxPolicy.mode === 'danger-full-access')
    return 'bypassPermissions';
  return 'default';
}

function parsedArguments(call: ToolCall): Record<string, unknown> {
  if (call.kind !== 'function') return {};
  try {
    const value: unknown = JSON.parse(call.arguments);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function toolView(call: ToolCall): HookToolView {
  if (call.kind === 'local_shell')
    return { name: 'Bash', input: { command: call.argv.join(' ') }, aliases: [] };
  if (call.name === 'apply_patch')
    return {
      name: 'apply_patch',
      input: { command: call.kind === 'custom' ? call.input : (parsedArguments(call).input ?? '') },
      aliases: ['Write', 'Edit'],
    };
  if (call.kind === 'custom') return { name: call.name, input: { input: call.input }, aliases: [] };
  const args = parsedArguments(call);
  if (SHELL_TOOLS.has(call.name)) {
    const command = args.cmd ?? args.command;
    return {
      name: 'Bash',
      input: { command: Array.isArray(command) ? command.join(' ') : String(command ?? '') },
      aliases: [],
    };
  }
  return {
    name: call.namespace ? `${call.namespace}__${call.name}` : call.name,
    input: args,
    aliases: [],
  };
}

/** The call with the arguments a `PreToolUse` hook rewrote. */
function withInput(call: ToolCall, input: Record<string, unknown>): ToolCall {
  if (call.kind !== 'function') return call;
  if (call.name === 'exec_command' && typeof input.command === 'string')
    return {
      ...call,
      arguments: JSON.stringify({ ...parsedArguments(call), cmd: input.command }),
    };
  if (SHELL_TOOLS.has(call.name)) return call;
  return { ...call, arguments: JSON.stringify(input) };
}
