import type { v2 } from '@codex/protocol';
import type { JsonSchema } from '../client/types.js';
import type { ApprovalPolicy, SandboxMode } from '../config/schema.js';
import type { HostTool } from '../session/tools/dynamic.js';

/** What a turn starts from: a prompt, or several parts (text and images). */
export type CodexInput = string | readonly CodexInputItem[];

/** One part of a turn's input. */
export type CodexInputItem =
  | {
      /** Text. */
      readonly type: 'text';
      /** What the user says. */
      readonly text: string;
    }
  | {
      /** An image by URL. */
      readonly type: 'image';
      /** An `https:` or `data:` URL. */
      readonly url: string;
    }
  | {
      /** An image file on the machine that runs the agent. */
      readonly type: 'localImage';
      /** Its path (absolute, or relative to the thread's `cwd`). */
      readonly path: string;
    };

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
  /** Tokens sent to the model (the prompts of every request of the turn). */
  readonly inputTokens: number;
  /** Of `inputTokens`, those served from the prompt cache. */
  readonly cachedInputTokens: number;
  /** Tokens the model produced. */
  readonly outputTokens: number;
  /** Of `outputTokens`, those spent reasoning. */
  readonly reasoningOutputTokens: number;
  /** Input plus output tokens. */
  readonly totalTokens: number;
}

/** What a completed turn produced. */
export interface RunResult {
  /** The turn's id, as its items and the thread's history name it. */
  readonly turnId: string;
  /** The agent's last message of the turn ("" when it sent none). */
  readonly finalResponse: string;
  /** Every item the turn completed, in order (the app-server v2 `ThreadItem`s). */
  readonly items: readonly v2.ThreadItem[];
  /** Tokens the turn used. */
  readonly usage: TurnUsage;
}

/** `turn.started`: the turn has begun. */
export interface TurnStartedEvent {
  /** The event's kind. */
  readonly type: 'turn.started';
  /** The turn's id. */
  readonly turnId: string;
}

/** `item.started` / `item.completed`: an item begins, or is done (its final state). */
export interface ItemEvent {
  /** The event's kind. */
  readonly type: 'item.started' | 'item.completed';
  /** The item (an app-server v2 `ThreadItem`). */
  readonly item: v2.ThreadItem;
}

/**
 * Progress within an item: `text.delta` (a piece of an agent message as the model streams it),
 * `reasoning.delta` (of a reasoning summary or text), `command.output` (output of a running
 * command, decoded as UTF-8).
 */
export interface DeltaEvent {
  /** The event's kind. */
  readonly type: 'text.delta' | 'reasoning.delta' | 'command.output';
  /** The item the piece belongs to. */
  readonly itemId: string;
  /** The piece. */
  readonly delta: string;
}

/** `plan.updated`: the agent's plan for the turn changed. */
export interface PlanUpdatedEvent {
  /** The event's kind. */
  readonly type: 'plan.updated';
  /** Why, when the agent said. */
  readonly explanation: string | null;
  /** The steps and their status. */
  readonly plan: readonly v2.TurnPlanStep[];
}

/** `usage.updated`: the turn's usage so far, after each model response. */
export interface UsageUpdatedEvent {
  /** The event's kind. */
  readonly type: 'usage.updated';
  /** Tokens used by the turn so far. */
  readonly usage: TurnUsage;
}

/** `warning`: something the user should know (a fallback, a config problem). */
export interface WarningEvent {
  /** The event's kind. */
  readonly type: 'warning';
  /** What happened. */
  readonly message: string;
}

/** `error`: a model stream error; the request is retried when `willRetry`. */
export interface StreamErrorEvent {
  /** The event's kind. */
  readonly type: 'error';
  /** What went wrong. */
  readonly message: string;
  /** Whether the request is being retried (else the turn fails next). */
  readonly willRetry: boolean;
}

/** `turn.completed`: the turn ended normally; the last event of the run. */
export interface TurnCompletedEvent {
  /** The event's kind. */
  readonly type: 'turn.completed';
  /** What the turn produced (what `run` resolves with). */
  readonly result: RunResult;
}

/** `turn.failed`: the turn ended with an error; the last event of the run. */
export interface TurnFailedEvent {
  /** The event's kind. */
  readonly type: 'turn.failed';
  /** The turn's id. */
  readonly turnId: string;
  /** Why it failed. */
  readonly error: v2.TurnError;
  /** The items the turn completed before it failed. */
  readonly items: readonly v2.ThreadItem[];
  /** Tokens the turn used. */
  readonly usage: TurnUsage;
}

/** `turn.interrupted`: the turn was interrupted; the last event of the run. */
export interface TurnInterruptedEvent {
  /** The event's kind. */
  readonly type: 'turn.interrupted';
  /** The turn's id. */
  readonly turnId: string;
  /** The items the turn completed before it stopped. */
  readonly items: readonly v2.ThreadItem[];
  /** Tokens the turn used. */
  readonly usage: TurnUsage;
}

/**
 * What `runStreamed` yields, in order: `turn.started`, then items (started, progress,
 * completed), and one last event, `turn.completed`, `turn.failed` or `turn.interrupted`.
 */
export type ThreadStreamEvent =
  | TurnStartedEvent
  | ItemEvent
  | DeltaEvent
  | PlanUpdatedEvent
  | UsageUpdatedEvent
  | WarningEvent
  | StreamErrorEvent
  | TurnCompletedEvent
  | TurnFailedEvent
  | TurnInterruptedEvent;

/**
 * Something the agent wants to do that needs a yes (by the thread's approval policy): the
 * app-server v2 request, by kind.
 */
export type ApprovalRequest =
  | {
      /** The agent wants to run a command (`params.command`, `params.cwd`, `params.reason`). */
      readonly type: 'commandExecution';
      /** The v2 `item/commandExecution/requestApproval` params. */
      readonly params: v2.CommandExecutionRequestApprovalParams;
    }
  | {
      /** The agent wants to edit files (`params.reason`; the changes are its file-change item). */
      readonly type: 'fileChange';
      /** The v2 `item/fileChange/requestApproval` params. */
      readonly params: v2.FileChangeRequestApprovalParams;
    }
  | {
      /** An MCP server asks (its own form, or whether the agent may call one of its tools). */
      readonly type: 'mcpElicitation';
      /** The v2 `mcpServer/elicitation/request` params. */
      readonly params: v2.McpServerElicitationRequestParams;
    };

/**
 * The answer to an {@link ApprovalRequest}: `accept` once, `acceptForSession` (this and the
 * same request for the rest of the thread), `decline` (the agent is told and goes on), or
 * `cancel` (the turn is interrupted).
 */
export type ApprovalDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

/** A decision, or for an MCP form elicitation a decision with the form's content. */
export type ApprovalAnswer =
  | ApprovalDecision
  | {
      /** The decision. */
      readonly decision: ApprovalDecision;
      /** What the user filled in, for an MCP form elicitation. */
      readonly content?: unknown;
    };

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
  /** The model to use. Default the config's (`model`). */
  readonly model?: string;
  /** The id of a provider of the config's `model_providers`. Default the config's. */
  readonly modelProvider?: string;
  /** When the agent must ask: default the config's (`approval_policy`). */
  readonly approvalPolicy?: ApprovalPolicy;
  /** What its commands may touch: default the config's (`sandbox_mode`). */
  readonly sandbox?: SandboxMode;
  /** Raw `config.toml` settings (snake_case keys, dotted paths) for this thread. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Replaces the built-in system instructions. */
  readonly baseInstructions?: string;
  /** Added to the instructions as a developer message. */
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
  /** The thread's id: pass it to `resumeThread` or `forkThread` later. */
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
  /** Starts a new thread. */
  startThread(options?: CodexThreadOptions): Promise<CodexThreadApi>;
  /** Loads a stored thread by id; its next turn continues the conversation. */
  resumeThread(threadId: string, options?: CodexThreadOptions): Promise<CodexThreadApi>;
  /** Copies a stored thread into a new one (a new id) that continues from its history. */
  forkThread(threadId: string, options?: CodexThreadOptions): Promise<CodexThreadApi>;
  /** Ends every thread and releases what the client holds. */
  close(): Promise<void>;
}
