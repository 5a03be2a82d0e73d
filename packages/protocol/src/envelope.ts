import { z } from 'zod';

/**
 * A request id: the client's own string or integer, echoed back in the response. Integers
 * beyond 2^53, which a JavaScript number cannot hold exactly, are decoded as BigInts (by
 * `@codex/jsonrpc`) so that the reply carries exactly the id the client sent.
 */
export const RequestIdSchema = z.union([z.string(), z.number().int(), z.bigint()]);
/** A request id: the client's own string or integer, echoed back in the response. */
export type RequestId = z.infer<typeof RequestIdSchema>;

/**
 * The `"jsonrpc": "2.0"` marker. Codex peers omit it on output and accept it on input; when
 * present it must be exactly `"2.0"`.
 */
const JsonRpcVersionSchema = z.literal('2.0').optional();

/** W3C trace context a caller may attach to a request. */
export const W3cTraceContextSchema = z.object({
  traceparent: z.string().nullable().optional(),
  tracestate: z.string().nullable().optional(),
});
/** W3C trace context a caller may attach to a request. */
export type W3cTraceContext = z.infer<typeof W3cTraceContextSchema>;

/** A request that expects a response. */
export const JsonRpcRequestSchema = z.object({
  jsonrpc: JsonRpcVersionSchema,
  id: RequestIdSchema,
  method: z.string(),
  /** Method-specific params; validated against the method table, not here. */
  params: z.unknown().optional(),
  /** Optional W3C trace context for distributed tracing. */
  trace: W3cTraceContextSchema.nullable().optional(),
});
/** A request that expects a response. */
export type JsonRpcRequest = z.infer<typeof JsonRpcRequestSchema>;

/** A one-way message: no id, no response. */
export const JsonRpcNotificationSchema = z.object({
  jsonrpc: JsonRpcVersionSchema,
  method: z.string(),
  params: z.unknown().optional(),
  /**
   * Unix milliseconds at which the app-server emitted the notification. The released
   * app-server stamps every server notification with it.
   */
  emittedAtMs: z.number().int().optional(),
});
/** A one-way message: no id, no response. */
export type JsonRpcNotification = z.infer<typeof JsonRpcNotificationSchema>;

/** A successful response. */
export const JsonRpcResponseSchema = z.object({
  jsonrpc: JsonRpcVersionSchema,
  id: RequestIdSchema,
  result: z.unknown(),
});
/** A successful response. */
export type JsonRpcResponse = z.infer<typeof JsonRpcResponseSchema>;

/** The `error` member of an error response. */
export const JsonRpcErrorObjectSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
});
/** The `error` member of an error response. */
export type JsonRpcErrorObject = z.infer<typeof JsonRpcErrorObjectSchema>;

/** An error response. `id` is `null` when the request's id could not be read (parse errors). */
export const JsonRpcErrorResponseSchema = z.object({
  jsonrpc: JsonRpcVersionSchema,
  id: RequestIdSchema.nullable(),
  error: JsonRpcErrorObjectSchema,
});
/** An error response. */
export type JsonRpcErrorResponse = z.infer<typeof JsonRpcErrorResponseSchema>;

/** Any JSON-RPC message that can be decoded off the wire or encoded to be sent. */
export const JsonRpcMessageSchema = z.union([
  JsonRpcRequestSchema,
  JsonRpcNotificationSchema,
  JsonRpcResponseSchema,
  JsonRpcErrorResponseSchema,
]);
/** Any JSON-RPC message. */
export type JsonRpcMessage =
  | JsonRpcRequest
  | JsonRpcNotification
  | JsonRpcResponse
  | JsonRpcErrorResponse;

/** The kinds of message, as {@link classifyMessage} reports them. */
export type JsonRpcMessageKind = 'request' | 'notification' | 'response' | 'error';

/** A message tagged with its kind. */
export type ClassifiedMessage =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: JsonRpcResponse }
  | { kind: 'error'; message: JsonRpcErrorResponse };

/** Why a value is not a JSON-RPC message, with the id when one could be read. */
export interface MessageProblem {
  readonly problem: string;
  readonly id: RequestId | null;
}

/**
 * Decides what kind of message a decoded JSON value is and validates its envelope.
 * Returns a problem description (naming the offending field) rather than throwing.
 */
export function classifyMessage(value: unknown): ClassifiedMessage | MessageProblem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'an array (batches are not supported)' : typeof value;
    return { problem: `a JSON-RPC message must be an object, got ${what}`, id: null };
  }
  const record = value as Record<string, unknown>;
  const rawId = RequestIdSchema.safeParse(record.id);
  const id = rawId.success ? rawId.data : null;
  const pick = <K extends JsonRpcMessageKind>(
    kind: K,
    schema: z.ZodType,
  ): ClassifiedMessage | MessageProblem => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return { kind, message: parsed.data } as ClassifiedMessage;
    return { problem: describeIssues(parsed.error), id };
  };
  if ('method' in record) {
    return 'id' in record
      ? pick('request', JsonRpcRequestSchema)
      : pick('notification', JsonRpcNotificationSchema);
  }
  if ('error' in record) return pick('error', JsonRpcErrorResponseSchema);
  if ('result' in record) return pick('response', JsonRpcResponseSchema);
  return { problem: 'a JSON-RPC message needs "method", "result" or "error"', id };
}

/** Formats zod issues as `field.path: message; ...`, naming each failing field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}
