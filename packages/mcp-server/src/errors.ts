import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';

/**
 * A refused request. The MCP SDK answers a thrown error with its `code` and exactly its
 * message (the SDK's own McpError would prefix the message with "MCP error -32602: ").
 */
export class RequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }

  /** `-32602` with `message`. */
  static invalidParams(message: string): RequestError {
    return new RequestError(ErrorCode.InvalidParams, message);
  }
}
