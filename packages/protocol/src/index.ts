export * as core from './core/index.js';
export {
  type ClassifiedMessage,
  classifyMessage,
  describeIssues,
  JsonRpcErrorObjectSchema,
  type JsonRpcErrorObject,
  JsonRpcErrorResponseSchema,
  type JsonRpcErrorResponse,
  type JsonRpcMessage,
  type JsonRpcMessageKind,
  JsonRpcMessageSchema,
  JsonRpcNotificationSchema,
  type JsonRpcNotification,
  JsonRpcRequestSchema,
  type JsonRpcRequest,
  JsonRpcResponseSchema,
  type JsonRpcResponse,
  type MessageProblem,
  RequestIdSchema,
  type RequestId,
  W3cTraceContextSchema,
  type W3cTraceContext,
} from './envelope.js';
export {
  internalError,
  invalidParams,
  invalidRequest,
  JsonRpcError,
  JsonRpcErrorCode,
  type JsonRpcErrorCodeValue,
  methodNotFound,
  parseError,
} from './errors.js';
export * as exec from './exec/index.js';
export { type ProtocolJsonSchema, protocolJsonSchema } from './json-schema.js';
export {
  findMethod,
  type MethodOf,
  type MethodTable,
  type NoParams,
  NoParamsSchema,
  type NotificationSpec,
  type NotificationTable,
  type RequestSpec,
  type RequestTable,
  type TableParams,
  type TableResult,
} from './method-table.js';
export * as v1 from './v1/index.js';
export * as v2 from './v2/index.js';
