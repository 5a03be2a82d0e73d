import type { ClientSession } from '../client-session.js';
import type { AppServer } from '../server.js';
import type { ClientRequestMethod, ClientRequestParams, ClientRequestResult } from '../tables.js';

/** What a handler gets beside its params. */
export interface RequestScope {
  readonly server: AppServer;
  readonly session: ClientSession;
  /** Aborted when the client disconnects before the handler finishes. */
  readonly signal: AbortSignal;
}

/** Answers one method. Throw a `JsonRpcError` (see `refuse`) to answer with an error. */
export type Handler<M extends ClientRequestMethod> = (
  params: ClientRequestParams<M>,
  scope: RequestScope,
) => ClientRequestResult<M> | Promise<ClientRequestResult<M>>;

/** Handlers by method. */
export type HandlerTable = { readonly [M in ClientRequestMethod]?: Handler<M> };
