export {
  createTempCodexHome,
  type TempCodexHome,
  type TempCodexHomeOptions,
} from './codex-home.js';
export {
  fakeAccessToken,
  fakeIdToken,
  fakeJwt,
  type IssuerRequest,
  type JwtClaims,
  MockIssuer,
} from './mock-issuer.js';
export {
  MockResponsesServer,
  type RecordedRequest,
  type ScriptedResponse,
  scripted,
} from './mock-responses-server.js';
export {
  assistantMessage,
  customToolCall,
  frameEvent,
  functionCall,
  type OutputItem,
  reasoning,
  responseEvents,
  type SseEvent,
  splitIntoDeltas,
  type Usage,
} from './sse.js';
