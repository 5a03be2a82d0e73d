export {
  Connection,
  type ConnectionOptions,
  type NotificationHandler,
  type ProtocolSide,
  type RequestContext,
  type RequestHandler,
  type RequestOptions,
  type UntypedSide,
} from './connection.js';
export { ConnectionError, type ConnectionErrorCode } from './errors.js';
export { DEFAULT_MAX_LINE_BYTES, LineDecoder, type LineEvent } from './line-decoder.js';
export { type Logger, silentLogger, stderrLogger } from './logger.js';
export { createLinkedPair } from './memory.js';
export { appServerErrorPolicy, type ErrorPolicy, standardErrorPolicy } from './policy.js';
export {
  type CloseInfo,
  decodeFrame,
  encodeFrame,
  FrameError,
  type Transport,
} from './transport.js';
