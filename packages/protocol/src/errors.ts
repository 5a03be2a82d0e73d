import type { JsonRpcErrorObject } from './envelope.js';

/** The JSON-RPC error codes Codex peers use, in one table. */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** The server has too many requests of this connection waiting; retry later. */
  ServerOverloaded: -32001,
  /** The request was cancelled by its sender (LSP convention). */
  RequestCancelled: -32800,
} as const;
/** One of the codes in {@link JsonRpcErrorCode}, or any other integer a peer sends. */
export type JsonRpcErrorCodeValue = (typeof JsonRpcErrorCode)[keyof typeof JsonRpcErrorCode];

const marker = Symbol.for('codex.protocol.JsonRpcError');

/**
 * An error that crosses the wire: thrown by a request handler, it becomes the response's
 * `error`; received in a response, it rejects the caller's promise.
 */
export class JsonRpcError extends Error {
  readonly [marker] = true;
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'JsonRpcError';
    this.code = code;
    this.data = data;
  }

  /** True for any JsonRpcError, even one from another copy of this package. */
  static isInstance(value: unknown): value is JsonRpcError {
    return typeof value === 'object' && value !== null && marker in value;
  }

  /** The wire form (`data` omitted when undefined). */
  toJSON(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  static fromObject(error: JsonRpcErrorObject): JsonRpcError {
    return new JsonRpcError(error.code, error.message, error.data);
  }
}

/** -32700: the bytes were not JSON. */
export const parseError = (message = 'Parse error', data?: unknown) =>
  new JsonRpcError(JsonRpcErrorCode.ParseError, message, data);
/** -32600: the message is not a valid request (or, for Codex servers, any rejected request). */
export const invalidRequest = (message = 'Invalid request', data?: unknown) =>
  new JsonRpcError(JsonRpcErrorCode.InvalidRequest, message, data);
/** -32601: no handler for the method. */
export const methodNotFound = (method: string, data?: unknown) =>
  new JsonRpcError(JsonRpcErrorCode.MethodNotFound, `Method not found: ${method}`, data);
/** -32602: params failed validation; the message names the field. */
export const invalidParams = (message: string, data?: unknown) =>
  new JsonRpcError(JsonRpcErrorCode.InvalidParams, message, data);
/** -32001: too many requests are waiting; the original app-server's words. */
export const serverOverloaded = (message = 'Server overloaded; retry later.', data?: unknown) =>
  new JsonRpcError(JsonRpcErrorCode.ServerOverloaded, message, data);
/** -32603: the handler failed. */
export const internalError = (message = 'Internal error', data?: unknown) =>
  new JsonRpcError(JsonRpcErrorCode.InternalError, message, data);
