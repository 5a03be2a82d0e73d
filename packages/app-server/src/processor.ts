import type { ErrorPolicy } from '@codex/jsonrpc';
import type { JsonRpcError } from '@codex/protocol';
import type { ClientSession } from './client-session.js';
import { invalidParamsMessage, refuse } from './errors.js';
import { accountHandlers } from './handlers/account.js';
import { configHandlers } from './handlers/config.js';
import { mcpHandlers } from './handlers/mcp.js';
import { sessionHandlers } from './handlers/session.js';
import { threadHandlers } from './handlers/threads.js';
import { toolHandlers } from './handlers/tools.js';
import { turnHandlers } from './handlers/turns.js';
import type { HandlerTable } from './handlers/types.js';
import { v1Handlers } from './handlers/v1.js';
import type { AppServer } from './server.js';
import { type ClientRequestMethod, clientRequests } from './tables.js';

/** Every method the server answers, one handler each. */
const handlers: HandlerTable = {
  ...sessionHandlers,
  ...threadHandlers,
  ...turnHandlers,
  ...configHandlers,
  ...accountHandlers,
  ...toolHandlers,
  ...mcpHandlers,
  ...v1Handlers,
};

/**
 * Methods a client must opt into with `capabilities.experimentalApi`. None of what we serve is
 * experimental yet; the gate is here so that adding one is a line.
 */
const EXPERIMENTAL_METHODS: ReadonlySet<ClientRequestMethod> = new Set<ClientRequestMethod>([]);

const KNOWN_METHODS = Object.keys(clientRequests)
  .map((method) => `\`${method}\``)
  .join(', ');

/**
 * The released app-server's error conventions: unparsable input is logged and skipped with no
 * reply; unknown methods and bad params are -32600 in serde's words.
 */
export const appServerErrorPolicy: ErrorPolicy = {
  frame: () => null,
  invalidMessage: () => null,
  unknownMethod: (method) =>
    refuse(`Invalid request: unknown variant \`${method}\`, expected one of ${KNOWN_METHODS}`),
  invalidParams: (_method, error) => refuse(invalidParamsMessage(error)),
};

/**
 * Runs before every handler (after the params parsed): nothing but `initialize` before
 * `initialize`, and experimental methods only for clients that asked for them.
 */
export function gate(session: ClientSession, method: string): JsonRpcError | undefined {
  if (method === 'initialize') return undefined;
  if (!session.initialized) return refuse('Not initialized');
  if (!session.experimentalApi && EXPERIMENTAL_METHODS.has(method as ClientRequestMethod)) {
    return refuse(`${method} requires experimentalApi capability`);
  }
  return undefined;
}

/** Registers every handler on a new client's connection. */
export function attachHandlers(server: AppServer, session: ClientSession): void {
  const { connection } = session;
  const register = connection.onRequest as (
    method: string,
    handler: (params: unknown, context: { signal: AbortSignal }) => unknown,
  ) => () => void;
  for (const [method, handler] of Object.entries(handlers)) {
    const run = handler as (params: unknown, scope: unknown) => unknown;
    register.call(connection, method, (params, context) =>
      run(params, { server, session, signal: context.signal }),
    );
  }
  connection.onNotification('initialized', () => {});
}
