import { CodexError } from '@codex/common';

/** Why a local operation on a connection failed. These never cross the wire. */
export type ConnectionErrorCode =
  /** The peer did not answer within the request's timeout. */
  | 'timeout'
  /** The caller aborted the request. */
  | 'cancelled'
  /** The connection closed before the request completed, or was already closed. */
  | 'closed'
  /** The outbound queue is at its byte limit: the peer is not reading. */
  | 'queue_full'
  /** The message cannot be written as JSON (a BigInt, a cycle, nesting too deep). */
  | 'unserializable'
  /** The peer's result did not match the method's result schema. */
  | 'invalid_result';

/** A local failure of a connection operation, with a string code. */
export class ConnectionError extends CodexError<ConnectionErrorCode> {
  static override readonly brand = 'codex.jsonrpc.ConnectionError';
}
