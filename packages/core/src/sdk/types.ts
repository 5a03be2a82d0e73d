import type { v2 } from '@codex/protocol';
import type { JsonSchema } from '../client/types.js';
import type { ApprovalPolicy, SandboxMode } from '../config/schema.js';
import type { HostTool } from '../session/tools/dynamic.js';

/** What a turn starts from: a prompt, or several parts (text and images). */
export type CodexInput = string | readonly CodexInputItem[];

/** One part of a turn's input. */
export type CodexInputItem =
  | { readonly type: 'text'; readonly text: string }
  /** An image by URL (`https:` or a `data:` URL). */
  | { readonly type: 'image'; readonly url: string }
  /** An image file on the machine that runs the agent. */
  | { readonly type: 'localImage'; readonly path: string };

/** Options of one `run` / `runStreamed`. */
export interface RunOptions {
  /** A JSON Schema the turn's final message must match (it is then JSON text). */
  readonly outputSchema?: JsonSchema;
  /**
   * Interrupts this turn when aborted: its commands are stopped and `run` rejects with the
   * signal's reason. The thread stays usable for the next turn.
   */
  readonly signal?: AbortSignal;
}

/** Tokens a turn used, over all its model requests. */
export interface TurnUsage {
  readonly inputTokens: number;
  /** Of `inputTokens`, those served from the prompt cache. */
  readonly cachedInputTokens: number;
  readonly outputTokens: number;
  /** Of `outputTokens`, those spent reasoning. */
  readonly reasoningOutputTokens: number;
  readonly totalTokens: number;
}

/** What a completed turn produced. */
export interface RunResult {
  readonly turnId: string;
  /** The agent's last message of the turn ("" when it sent none). */
  readonly finalResponse: string;
  /** Every item the turn completed, in order (the app-server v2 `ThreadItem`s). */
  readonly items: readonly v2.ThreadItem[];
  readonly usage: TurnUsage;
}

/**
 * What `runStreamed` yields, in order: `turn.started`, then items (started, progress,
 * completed), and one last event, `turn.completed`, `turn.failed` or `turn.interrupted`.
 */
export type ThreadStreamEvent =
  | { readonly type: 'turn.started'; readonly turnId: string }
  | { readonly type: 'item.started'; readonly item: v2.ThreadItem }
  | { readonly type: 'item.completed'; readonly item: v2.ThreadItem }
  /** A piece of an agent message (`agentMessage` item) as the model streams it. */
  | { readonly type: 'text.delta'; readonly itemId: string; readonly delta: string }
  /** A piece of a reasoning summary or reasoning text. */
  | { readonly type: 'reasoning.delta'; readonly itemId: string; readonly delta: string }
  /** Output of a running command (`commandExecution` item), decoded as UTF-8. */
  | { readonly type: 'command.output'; readonly itemId: string; readonly delta: string }
  | {
      readonly type: 'plan.updated';
      readonly explanation: string | null;
      readonly plan: readonly v2.TurnPlanStep[];
    }
  /** The turn's usage so far, after each model response. */
  | { readonly type: 'usage.updated'; readonly usage: TurnUsage }
  | { readonly type: 'warning'; readonly message: string }
  /** A model stream error; `willRetry` when the request is being retried. */
  | { readonly type: 'error'; readonly message: string; readonly willRetry: boolean }
  | { readonly type: 'turn.completed'; readonly result: RunResult }
  | {
      readonly type: 'turn.failed';
      readonly turnId: string;
      readonly error: v2.TurnError;
      readonly items: readonly v2.ThreadItem[];
      readonly usage: TurnUsage;
    }
  | {
      readonly type: 'turn.interrupted';
      readonly turnId: string;
      readonly items: readonly v2.ThreadItem[];
      readonly usage: TurnUsage;
    };

/**
 * Something the agent wants to do that needs a yes (by the thread's approval policy): the
 * app-server v2 request, by kind.
 */
export type ApprovalRequest =
  | {
      readonly type: 'commandExecution';
      readonly params: v2.CommandExecutionRequestApprovalParams;
    }
  | { readonly type: 'fileChange'; readonly params: v2.FileChangeRequestApprovalParams }
  /** An MCP server asks (its own form, or whether the agent may call one of its tools). */
  | { readonly type: 'mcpElicitation'; readonly params: v2.McpServerElicitationRequestParams };

/**
 * The answer to an {@link ApprovalRequest}: `accept` once, `acceptForSession` (this and the
 * same request for the rest of the thread), `decline` (the agent is told and goes on), or
 * `cancel` (the turn is interrupted).
 */
export type ApprovalDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

/** A decision, or for an MCP form elicitation a decision with the form's content. */
export type ApprovalAnswer =
  | ApprovalDecision
  | { readonly decision: ApprovalDecision; readonly content?: unknown };

/**
 * Decides approval requests. `signal` is aborted when the request no longer needs an answer
 * (the turn ended). A throw or a rejection declines.
 */
export type ApprovalHandler = (
  request: ApprovalRequest,
  context: { readonly threadId: string; readonly signal: AbortSignal },
) => ApprovalAnswer | Promise<ApprovalAnswer>;

/** Settings of a thread, given when it is started, resumed or forked. */
export interface CodexThreadOptions {
  /** The working directory of the agent's commands and edits. Default the process's. */
  readonly cwd?: string;
  readonly model?: string;
  readonly modelProvider?: string;
  /** When the agent must ask: default the config's (`approval_policy`). */
  readonly approvalPolicy?: ApprovalPolicy;
  /** What its commands may touch: default the config's (`sandbox_mode`). */
  readonly sandbox?: SandboxMode;
  /** Raw `config.toml` settings (snake_case keys, dotted paths) for this thread. */
  readonly config?: Readonly<Record<string, unknown>>;
  readonly baseInstructions?: string;
  readonly developerInstructions?: string;
  /** Keep nothing on disk (no rollout); such a thread cannot be resumed. */
  readonly ephemeral?: boolean;
  /** Tools the model may call that run in this program, as plain functions. */
  readonly hostTools?: readonly HostTool[];
  /** Decides this thread's approval requests; default the client's `onApproval`. */
  readonly onApproval?: ApprovalHandler;
}

/** The SDK's view of a thread, whether it runs in this process or in a remote app-server. */
export interface CodexThreadApi {
  readonly id: string;
  /** Runs one turn to its end. Rejects when it fails, or with the signal's reason on abort. */
  run(input: CodexInput, options?: RunOptions): Promise<RunResult>;
  /**
   * Runs one turn, yielding its events as they happen. Leaving the loop early interrupts the
   * turn.
   */
  runStreamed(input: CodexInput, options?: RunOptions): AsyncGenerator<ThreadStreamEvent, void>;
}

/** The SDK's entry point: in process ({@link Codex}) or over an app-server (`RemoteCodex`). */
export interface CodexApi {
  startThread(options?: CodexThreadOptions): Promise<CodexThreadApi>;
  /** Loads a stored thread by id; its next turn continues the conversation. */
  resumeThread(threadId: string, options?: CodexThreadOptions): Promise<CodexThreadApi>;
  /** Copies a stored thread into a new one (a new id) that continues from its history. */
  forkThread(threadId: string, options?: CodexThreadOptions): Promise<CodexThreadApi>;
  /** Ends every thread and releases what the client holds. */
  close(): Promise<void>;
}
