/** One part of a message's content, as the Responses API writes it. */
export type ContentItem =
  | { readonly type: 'input_text'; readonly text: string }
  | { readonly type: 'input_image'; readonly image_url: string }
  | { readonly type: 'output_text'; readonly text: string };

/** A conversation item, in the Responses API's own (snake_case) shape. */
export type ResponseItem =
  | {
      readonly type: 'message';
      readonly id?: string | null;
      readonly role: 'user' | 'assistant' | 'developer' | 'system';
      readonly content: readonly ContentItem[];
    }
  | {
      readonly type: 'reasoning';
      readonly id: string;
      readonly summary: readonly { readonly type: 'summary_text'; readonly text: string }[];
      readonly content?: readonly { readonly type: 'reasoning_text'; readonly text: string }[];
      readonly encrypted_content?: string | null;
    }
  | {
      readonly type: 'function_call';
      readonly id?: string | null;
      readonly name: string;
      /** JSON text, exactly as the model produced it. */
      readonly arguments: string;
      readonly call_id: string;
    }
  | { readonly type: 'function_call_output'; readonly call_id: string; readonly output: string }
  | {
      readonly type: 'custom_tool_call';
      readonly id?: string | null;
      readonly call_id: string;
      readonly name: string;
      readonly input: string;
    }
  | { readonly type: 'custom_tool_call_output'; readonly call_id: string; readonly output: string }
  /** An item type this version does not model; `raw` is sent back unchanged. */
  | { readonly type: 'other'; readonly raw: Readonly<Record<string, unknown>> };

/** A JSON Schema object. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A tool the model may call. */
export type ToolSpec =
  | {
      readonly type: 'function';
      readonly name: string;
      readonly description: string;
      readonly strict?: boolean;
      readonly parameters: JsonSchema;
    }
  | {
      /** A freeform tool (its input is plain text, e.g. `apply_patch`). */
      readonly type: 'custom';
      readonly name: string;
      readonly description: string;
      readonly format?: Readonly<Record<string, unknown>>;
    }
  | { readonly type: 'web_search' };

/** What one model turn sends. */
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

/** Token counts of one response. */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly outputTokens: number;
  readonly reasoningOutputTokens: number;
  readonly totalTokens: number;
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
