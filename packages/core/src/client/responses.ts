import { v2 } from '@codex/protocol';
import type { ReasoningEffort, ReasoningSummary, Verbosity } from '../config/schema.js';
import { asNumber, asRecord, asString, type JsonObject } from '../json.js';
import {
  CONTEXT_WINDOW_EXCEEDED_MESSAGE,
  ModelError,
  QUOTA_EXCEEDED_MESSAGE,
  retryDelayFromMessage,
  USAGE_NOT_INCLUDED_MESSAGE,
} from './errors.js';
import type { Prompt, ResponseEvent, ResponseItem, TokenUsage } from './types.js';

/** Per-turn model settings. */
export interface TurnSettings {
  /** The model to call. */
  readonly model: string;
  /** How hard the model thinks; unset or `null` leaves it to the model. */
  readonly reasoningEffort?: ReasoningEffort | null;
  /** Whether reasoning summaries are asked for; unset, `null` or `none` asks for none. */
  readonly reasoningSummary?: ReasoningSummary | null;
  /** How long the answers are; unset or `null` leaves it to the model. */
  readonly verbosity?: Verbosity | null;
  /** The thread id: `prompt_cache_key` and the `session_id` header. */
  readonly threadId?: string;
}

type Json = JsonObject;

/** An item as the API expects it in `input` (null fields left out), or null for `other`. */
export function serializeItem(item: ResponseItem): Json | null {
  if (item.type === 'other') return null;
  const out: Json = {};
  for (const [key, value] of Object.entries(item))
    if (value !== null && value !== undefined) out[key] = value;
  return out;
}

/**
 * Reads an output item with the protocol's schema. Fields an item type does not define are
 * dropped, and types this version does not model become `{ type: 'other' }`, as the original
 * does.
 */
export function parseItem(value: unknown): ResponseItem {
  const parsed = v2.ResponseItemSchema.safeParse(value);
  return parsed.success ? parsed.data : { type: 'other' };
}

/** The Responses API request body for one turn. */
export function buildResponsesRequest(prompt: Prompt, settings: TurnSettings): Json {
  const reasoningWanted =
    (settings.reasoningEffort !== undefined && settings.reasoningEffort !== null) ||
    (settings.reasoningSummary !== undefined &&
      settings.reasoningSummary !== null &&
      settings.reasoningSummary !== 'none');
  const reasoning = reasoningWanted
    ? {
        ...(settings.reasoningEffort ? { effort: settings.reasoningEffort } : {}),
        ...(settings.reasoningSummary && settings.reasoningSummary !== 'none'
          ? { summary: settings.reasoningSummary }
          : {}),
      }
    : null;
  const text: Json = {};
  if (settings.verbosity) text.verbosity = settings.verbosity;
  if (prompt.outputSchema)
    text.format = {
      type: 'json_schema',
      name: 'codex_output_schema',
      strict: true,
      schema: prompt.outputSchema,
    };
  return {
    model: settings.model,
    instructions: prompt.instructions ?? '',
    input: prompt.input.flatMap((item) => serializeItem(item) ?? []),
    tools: prompt.tools ?? [],
    tool_choice: prompt.toolChoice ?? 'auto',
    parallel_tool_calls: prompt.parallelToolCalls ?? false,
    reasoning,
    store: false,
    stream: true,
    include: reasoning ? ['reasoning.encrypted_content'] : [],
    ...(settings.threadId !== undefined ? { prompt_cache_key: settings.threadId } : {}),
    ...(Object.keys(text).length > 0 ? { text } : {}),
  };
}

/** The field names one API uses for token counts. */
interface UsageFields {
  readonly input: string;
  readonly output: string;
  readonly inputDetails: string;
  readonly outputDetails: string;
}

/** Reads a usage object with `fields`' names into {@link TokenUsage}. */
export function readTokenUsage(value: unknown, fields: UsageFields): TokenUsage {
  const usage = asRecord(value);
  const input = asNumber(usage[fields.input]);
  const output = asNumber(usage[fields.output]);
  return {
    input_tokens: input,
    cached_input_tokens: asNumber(asRecord(usage[fields.inputDetails]).cached_tokens),
    output_tokens: output,
    reasoning_output_tokens: asNumber(asRecord(usage[fields.outputDetails]).reasoning_tokens),
    total_tokens: typeof usage.total_tokens === 'number' ? usage.total_tokens : input + output,
  };
}

/** `usage` of `response.completed`. */
export function parseResponsesUsage(value: unknown): TokenUsage | null {
  if (Object.keys(asRecord(value)).length === 0) return null;
  return readTokenUsage(value, {
    input: 'input_tokens',
    output: 'output_tokens',
    inputDetails: 'input_tokens_details',
    outputDetails: 'output_tokens_details',
  });
}

/** The error `response.failed` (or an `error` event) carries, as a typed ModelError. */
export function responseFailure(error: Json, responseId: string | null): ModelError {
  const code = asString(error.code) ?? asString(error.type) ?? undefined;
  const message = asString(error.message) ?? 'the model reported an error without a message';
  const details = { apiCode: code, requestId: responseId ?? undefined };
  switch (code) {
    case 'context_length_exceeded':
      return new ModelError('context_window_exceeded', CONTEXT_WINDOW_EXCEEDED_MESSAGE, details);
    case 'insufficient_quota':
      return new ModelError('quota_exceeded', QUOTA_EXCEEDED_MESSAGE, details);
    case 'usage_not_included':
      return new ModelError('usage_not_included', USAGE_NOT_INCLUDED_MESSAGE, details);
    case 'rate_limit_exceeded':
      return new ModelError('rate_limited', `rate limited: ${message}`, {
        ...details,
        retryable: true,
        retryAfterMs: retryDelayFromMessage(message),
      });
    case 'server_error':
    case 'server_is_overloaded':
    case 'slow_down':
      return new ModelError('server_error', `the model server failed: ${message}`, {
        ...details,
        retryable: true,
      });
    default:
      return new ModelError('response_failed', `the model reported an error: ${message}`, details);
  }
}

/** The item id and text of a `*.delta` event. */
const deltaOf = (data: Json) => ({
  itemId: asString(data.item_id),
  delta: asString(data.delta) ?? '',
});

/**
 * Maps Responses API stream events to {@link ResponseEvent}s. Returns the events to yield
 * (none for events that carry nothing new); throws a ModelError for `response.failed`,
 * `response.incomplete` and `error`.
 */
export class ResponsesEventMapper {
  private responseId: string | null = null;
  completed = false;

  map(data: Json): ResponseEvent[] {
    const type = asString(data.type);
    switch (type) {
      case 'response.created':
        this.responseId = asString(asRecord(data.response).id);
        return [{ type: 'created', responseId: this.responseId }];
      case 'response.output_item.added':
        return [{ type: 'outputItemAdded', item: parseItem(data.item) }];
      case 'response.output_item.done':
        return [{ type: 'outputItemDone', item: parseItem(data.item) }];
      case 'response.output_text.delta':
        return [{ type: 'outputTextDelta', ...deltaOf(data) }];
      case 'response.reasoning_summary_part.added':
        return [
          {
            type: 'reasoningSummaryPartAdded',
            itemId: asString(data.item_id),
            summaryIndex: asNumber(data.summary_index),
          },
        ];
      case 'response.reasoning_summary_text.delta':
        return [
          {
            type: 'reasoningSummaryDelta',
            ...deltaOf(data),
            summaryIndex: asNumber(data.summary_index),
          },
        ];
      case 'response.reasoning_text.delta':
        return [
          {
            type: 'reasoningTextDelta',
            ...deltaOf(data),
            contentIndex: asNumber(data.content_index),
          },
        ];
      case 'response.function_call_arguments.delta':
        return [{ type: 'functionCallArgumentsDelta', ...deltaOf(data) }];
      case 'response.custom_tool_call_input.delta':
        return [{ type: 'customToolCallInputDelta', ...deltaOf(data) }];
      case 'response.completed': {
        const response = asRecord(data.response);
        this.completed = true;
        return [
          {
            type: 'completed',
            responseId: asString(response.id) ?? this.responseId,
            tokenUsage: parseResponsesUsage(response.usage),
          },
        ];
      }
      case 'response.failed':
        throw responseFailure(asRecord(asRecord(data.response).error), this.responseId);
      case 'response.incomplete': {
        const reason =
          asString(asRecord(asRecord(data.response).incomplete_details).reason) ?? 'unknown';
        throw new ModelError(
          'incomplete',
          `the model stopped before finishing (reason: ${reason})`,
          { apiCode: reason, requestId: this.responseId ?? undefined },
        );
      }
      case 'error':
        throw responseFailure(asRecord(data.error ?? data), this.responseId);
      default:
        return [];
    }
  }
}
