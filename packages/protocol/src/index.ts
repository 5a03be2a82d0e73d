export * as core from './core/index.js';
export {
  type ClassifiedMessage,
  classifyMessage,
  describeIssues,
  type JsonRpcErrorObject,
  JsonRpcErrorObjectSchema,
  type JsonRpcErrorResponse,
  JsonRpcErrorResponseSchema,
  type JsonRpcMessage,
  type JsonRpcMessageKind,
  JsonRpcMessageSchema,
  type JsonRpcNotification,
  JsonRpcNotificationSchema,
  type JsonRpcRequest,
  JsonRpcRequestSchema,
  type JsonRpcResponse,
  JsonRpcResponseSchema,
  type MessageProblem,
  type RequestId,
  RequestIdSchema,
  type W3cTraceContext,
  W3cTraceContextSchema,
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
  serverOverloaded,
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
