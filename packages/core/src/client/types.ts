import type { core, v2 } from '@codex/protocol';

/** One part of a message's content, as the Responses API writes it (the protocol's type). */
export type ContentItem = NonNullable<v2.ContentItem>;

/**
 * A conversation item in the Responses API's own (snake_case) shape: the protocol's
 * `ResponseItem`, which rollouts also store. Item types this version does not model arrive as
 * `{ type: 'other' }` and are not sent back, as in the original.
 */
export type ResponseItem = v2.ResponseItem;

/** Token counts of one response (the protocol's `TokenUsage`, as `token_count` events carry). */
export type TokenUsage = core.TokenUsage;

/** A JSON Schema object. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A function the model may call with JSON arguments. */
export interface FunctionToolSpec {
  readonly type: 'function';
  readonly name: string;
  readonly description: string;
  readonly strict?: boolean;
  readonly parameters: JsonSchema;
}

/** A tool the model may call. */
export type ToolSpec =
  | FunctionToolSpec
  | {
      /** Functions grouped under a name (an MCP server's tools); calls carry `namespace`. */
      readonly type: 'namespace';
      readonly name: string;
      readonly description: string;
      readonly tools: readonly FunctionToolSpec[];
    }
  | {
      /** A freeform tool (its input is plain text, e.g. `apply_patch`). */
      readonly type: 'custom';
      readonly name: string;
      readonly description: string;
      readonly format?: Readonly<Record<string, unknown>>;
    }
  | { readonly type: 'web_search' };

/** What one model turn sends. A plain string is one user message. */
export interface Prompt {
  /** The conversation so far. */
  readonly input: readonly ResponseItem[];
  /** System/base instructions (`instructions` on the Responses API). */
  readonly instructions?: string;
  readonly tools?: readonly ToolSpec[];
  /** Default `auto`. */
  readonly toolChoice?: 'auto' | 'none' | 'required';
  /** Default false. */
  readonly parallelToolCalls?: boolean;
  /** A JSON Schema the final message must match (structured output). */
  readonly outputSchema?: JsonSchema;
}

/** What a streamed turn yields, in order. */
export type ResponseEvent =
  | { readonly type: 'created'; readonly responseId: string | null }
  | { readonly type: 'outputItemAdded'; readonly item: ResponseItem }
  | { readonly type: 'outputItemDone'; readonly item: ResponseItem }
  | { readonly type: 'outputTextDelta'; readonly itemId: string | null; readonly delta: string }
  | {
      readonly type: 'reasoningSummaryPartAdded';
      readonly itemId: string | null;
      readonly summaryIndex: number;
    }
  | {
      readonly type: 'reasoningSummaryDelta';
      readonly itemId: string | null;
      readonly summaryIndex: number;
      readonly delta: string;
    }
  | {
      readonly type: 'reasoningTextDelta';
      readonly itemId: string | null;
      readonly contentIndex: number;
      readonly delta: string;
    }
  | {
      readonly type: 'functionCallArgumentsDelta';
      readonly itemId: string | null;
      readonly delta: string;
    }
  | {
      readonly type: 'customToolCallInputDelta';
      readonly itemId: string | null;
      readonly delta: string;
    }
  | {
      /**
       * The stream broke and the request is being sent again: discard everything received since
       * the last `created`.
       */
      readonly type: 'retrying';
      /** 1 for the first retry. */
      readonly attempt: number;
      readonly maxAttempts: number;
      readonly delayMs: number;
      readonly reason: string;
    }
  | {
      readonly type: 'completed';
      readonly responseId: string | null;
      readonly tokenUsage: TokenUsage | null;
    };
