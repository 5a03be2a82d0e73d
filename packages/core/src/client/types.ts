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
      /** The namespace's name. */
      readonly name: string;
      /** What the group is for, for the model. */
      readonly description: string;
      /** The functions in it. */
      readonly tools: readonly FunctionToolSpec[];
    }
  | {
      /** A freeform tool (its input is plain text, e.g. `apply_patch`). */
      readonly type: 'custom';
      /** The tool's name. */
      readonly name: string;
      /** What the tool does, for the model. */
      readonly description: string;
      /** The input's grammar, when it has one (the Responses API's `format`). */
      readonly format?: Readonly<Record<string, unknown>>;
    }
  | {
      /** The API's built-in web search. */
      readonly type: 'web_search';
    };

/** What one model turn sends. A plain string is one user message. */
export interface Prompt {
  /** The conversation so far. */
  readonly input: readonly ResponseItem[];
  /** System/base instructions (`instructions` on the Responses API). */
  readonly instructions?: string;
  /** The tools the model may call. Default none. */
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
  | {
      /** The response was created. */
      readonly type: 'created';
      /** The response's id, when the API gave one. */
      readonly responseId: string | null;
    }
  | {
      /** An output item began (its content may still be streaming). */
      readonly type: 'outputItemAdded';
      /** The item as far as it is known. */
      readonly item: ResponseItem;
    }
  | {
      /** An output item is complete. */
      readonly type: 'outputItemDone';
      /** The complete item. */
      readonly item: ResponseItem;
    }
  | {
      /** Text of an assistant message. */
      readonly type: 'outputTextDelta';
      /** The message item's id, when known. */
      readonly itemId: string | null;
      /** The text added. */
      readonly delta: string;
    }
  | {
      /** A reasoning summary part began. */
      readonly type: 'reasoningSummaryPartAdded';
      /** The reasoning item's id, when known. */
      readonly itemId: string | null;
      /** Which summary part, from 0. */
      readonly summaryIndex: number;
    }
  | {
      /** Text of a reasoning summary part. */
      readonly type: 'reasoningSummaryDelta';
      /** The reasoning item's id, when known. */
      readonly itemId: string | null;
      /** Which summary part, from 0. */
      readonly summaryIndex: number;
      /** The text added. */
      readonly delta: string;
    }
  | {
      /** Raw reasoning text (models that expose it). */
      readonly type: 'reasoningTextDelta';
      /** The reasoning item's id, when known. */
      readonly itemId: string | null;
      /** Which content part, from 0. */
      readonly contentIndex: number;
      /** The text added. */
      readonly delta: string;
    }
  | {
      /** Arguments of a function call, as JSON text. */
      readonly type: 'functionCallArgumentsDelta';
      /** The call item's id, when known. */
      readonly itemId: string | null;
      /** The text added. */
      readonly delta: string;
    }
  | {
      /** Input of a freeform (custom) tool call. */
      readonly type: 'customToolCallInputDelta';
      /** The call item's id, when known. */
      readonly itemId: string | null;
      /** The text added. */
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
      /** Retries allowed in all (the provider's `stream_max_retries`). */
      readonly maxAttempts: number;
      /** How long until the request is sent again, in ms. */
      readonly delayMs: number;
      /** What broke, in words. */
      readonly reason: string;
    }
  | {
      /** The response is complete. */
      readonly type: 'completed';
      /** The response's id, when the API gave one. */
      readonly responseId: string | null;
      /** Token counts of the response, when the API gave them. */
      readonly tokenUsage: TokenUsage | null;
    };
