export {
  type BeforeDispatchResult,
  Connection,
  type ConnectionOptions,
  type DispatchedRequest,
  type NotificationHandler,
  type ProtocolSide,
  type RequestContext,
  type RequestHandler,
  type RequestOptions,
  type UntypedSide,
} from './connection.js';
export { ConnectionError, type ConnectionErrorCode } from './errors.js';
export {
  DEFAULT_FRAME_LIMITS,
  decodeFrame,
  encodeFrame,
  FrameError,
  type FrameErrorCode,
  type FrameLimits,
  resolveFrameLimits,
} from './frame.js';
export { createLinkedPair } from './memory.js';
export {
  appServerErrorPolicy,
  type ErrorPolicy,
  standardErrorPolicy,
  type ViolationResponse,
} from './policy.js';
export { type CloseInfo, type Inbound, Inbox, type Transport } from './transport.js';
