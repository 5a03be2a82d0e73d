import {
  describeIssues,
  invalidParams,
  invalidRequest,
  type JsonRpcError,
  type MessageProblem,
  methodNotFound,
  parseError,
} from '@codex/protocol';
import type { z } from 'zod';
import type { FrameError } from './frame.js';

/** What to do with a message the protocol does not allow here. */
export type ViolationResponse = 'ignore' | 'close';

/**
 * How a connection answers bad input. Each hook returns the error to send back, or `null` to
 * send nothing (the problem is still logged). The connection stays open, except where
 * `unhandledNotification` or `unmatchedResponse` say `close`.
 */
export interface ErrorPolicy {
  /**
   * A notification no handler takes: `ignore` it (logged at debug level, the default), or
   * `close` the connection as a protocol error.
   */
  readonly unhandledNotification?: ViolationResponse;
  /**
   * A response or error whose id matches no request of ours: `ignore` it (logged, the
   * default), or `close` the connection as a protocol error.
   */
  readonly unmatchedResponse?: ViolationResponse;
  /** A frame that was not JSON, or was too large. Replies carry `id: null`. */
  frame(error: FrameError): JsonRpcError | null;
  /** JSON that is not a JSON-RPC message (wrong shape, batch, bad id...). */
  invalidMessage(problem: MessageProblem): JsonRpcError | null;
  /** A request for a method with no handler. (Unknown notifications are logged, never answered.) */
  unknownMethod(method: string): JsonRpcError;
  /** A request whose params failed the method's schema. */
  invalidParams(method: string, error: z.ZodError): JsonRpcError;
  /**
   * A request refused because too many wait for a handler. Default: -32001 "Server
   * overloaded; retry later.", as the original app-server answers.
   */
  overloaded?(method: string): JsonRpcError;
}

/** JSON-RPC 2.0 as written: -32700, -32600, -32601, -32602, each naming what is wrong. */
export const standardErrorPolicy: ErrorPolicy = {
  frame: (error) => parseError(`Parse error: ${error.message}`),
  invalidMessage: (problem) => invalidRequest(`Invalid request: ${problem.problem}`),
  unknownMethod: (method) => methodNotFound(method),
  invalidParams: (_method, error) => invalidParams(`Invalid params: ${describeIssues(error)}`),
};

/**
 * The released Codex app-server's conventions: unparsable lines and non-messages are logged
 * and skipped with no reply; unknown methods and bad params are both -32600
 * `Invalid request: ...`.
 */
export const appServerErrorPolicy: ErrorPolicy = {
  frame: () => null,
  invalidMessage: () => null,
  unknownMethod: (method) => invalidRequest(`Invalid request: unknown variant \`${method}\``),
  invalidParams: (_method, error) => invalidRequest(`Invalid request: ${describeIssues(error)}`),
};
