import { CodexError } from '@codex/common';

/** Why a model turn failed. */
export type ModelErrorCode =
  /** Credentials were rejected, also after refreshing them once. */
  | 'unauthorized'
  /** No credentials at all for a provider that needs them. */
  | 'not_logged_in'
  /** The ChatGPT plan's usage limit was reached; see `resetsAt`. */
  | 'usage_limit'
  /** The ChatGPT plan does not include Codex. */
  | 'usage_not_included'
  /** The API key's quota or billing limit was reached. */
  | 'quota_exceeded'
  /** The conversation no longer fits the model's context window. */
  | 'context_window_exceeded'
  /** 429 after every retry. */
  | 'rate_limited'
  /** 5xx (or 408/409) after every retry. */
  | 'server_error'
  /** Another 4xx: the request itself was refused. */
  | 'bad_request'
  /** No connection could be made after every retry. */
  | 'connection_failed'
  /** The stream ended or went silent before `response.completed`, after every retry. */
  | 'stream_disconnected'
  /** The model reported `response.failed` with a code not covered above. */
  | 'response_failed'
  /** The model stopped early (`response.incomplete`), e.g. at `max_output_tokens`. */
  | 'incomplete'
  /** The caller's AbortSignal fired. */
  | 'interrupted';

/** A failed model turn; `message` says what happened and what to do about it. */
export class ModelError extends CodexError<ModelErrorCode> {
  static override readonly brand = 'codex.core.ModelError';
  /** HTTP status, when the failure was an HTTP response. */
  readonly status: number | undefined;
  /** `x-request-id` (or `cf-ray`) of the failed response, for support requests. */
  readonly requestId: string | undefined;
  /** The API's own error code (`context_length_exceeded`, `usage_limit_reached`…). */
  readonly apiCode: string | undefined;
  /** For `usage_limit`: when the limit resets, if the server said. */
  readonly resetsAt: Date | undefined;
  /** For `usage_limit`: the plan the server reported. */
  readonly planType: string | undefined;
  /** Whether sending the request again may succeed. */
  readonly retryable: boolean;
  /** For retryable errors: how long the server asked us to wait. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ModelErrorCode,
    message: string,
    details: {
      status?: number;
      requestId?: string;
      apiCode?: string;
      resetsAt?: Date;
      planType?: string;
      retryable?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(code, message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.status = details.status;
    this.requestId = details.requestId;
    this.apiCode = details.apiCode;
    this.resetsAt = details.resetsAt;
    this.planType = details.planType;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export const CONTEXT_WINDOW_EXCEEDED_MESSAGE =
  "Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying.";
export const QUOTA_EXCEEDED_MESSAGE =
  'Quota exceeded. Check your plan and billing details, then try again.';
export const USAGE_NOT_INCLUDED_MESSAGE =
  'To use Codex with your ChatGPT plan, upgrade to Plus: https://openai.com/chatgpt/pricing.';

/** The usage-limit message, with the reset time when known. */
export function usageLimitMessage(
  resetsAt: Date | undefined,
  planType: string | undefined,
): string {
  const base = "You've hit your usage limit";
  const plan = planType ? ` for the ${planType} plan` : '';
  if (!resetsAt) return `${base}${plan}. Try again later.`;
  return `${base}${plan}. Try again at ${resetsAt.toISOString()}.`;
}

/** Reads "try again in 1.5s" / "in 250ms" from a rate-limit message. */
export function retryDelayFromMessage(message: string): number | undefined {
  const match = /try again in\s*([0-9.]+)\s*(ms|s|seconds?)\b/i.exec(message);
  if (!match) return undefined;
  const amount = Number(match[1]);
  if (!Number.isFinite(amount)) return undefined;
  return match[2]?.toLowerCase() === 'ms' ? amount : Math.round(amount * 1000);
}
