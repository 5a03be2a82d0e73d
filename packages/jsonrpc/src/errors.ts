const marker = Symbol.for('codex.jsonrpc.ConnectionError');

/** Why a local operation on a connection failed. These never cross the wire. */
export type ConnectionErrorCode =
  /** The peer did not answer within the request's timeout. */
  | 'timeout'
  /** The caller aborted the request. */
  | 'cancelled'
  /** The connection closed before the request completed, or was already closed. */
  | 'closed'
  /** The outbound queue is at its hard limit. */
  | 'queue_full'
  /** The peer's result did not match the method's result schema. */
  | 'invalid_result';

/** A local failure of a connection operation, with a string code. */
export class ConnectionError extends Error {
  readonly [marker] = true;
  readonly code: ConnectionErrorCode;

  constructor(code: ConnectionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectionError';
    this.code = code;
  }

  static isInstance(value: unknown): value is ConnectionError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
