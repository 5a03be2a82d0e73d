import type { core } from '@codex/protocol';

/** A JSON-RPC request id as MCP carries it. */
export type RequestId = string | number;

/** `codex/event`: one core event, tagged with the thread and (for a tool call) its request id. */
export interface CodexEventNotification {
  readonly method: 'codex/event';
  readonly params: {
    readonly _meta: { readonly threadId: string; readonly requestId?: RequestId };
    /** The id of the submission the event belongs to. */
    readonly id: string;
    readonly msg: core.EventMsg;
    readonly [key: string]: unknown;
  };
}

/** `notifications/initial_state`: what a thread did so far, sent when a client starts streaming it. */
export interface InitialStateNotification {
  readonly method: 'notifications/initial_state';
  readonly params: {
    readonly _meta: { readonly threadId: string };
    readonly initial_state: {
      readonly events: ReadonlyArray<{ readonly id: string; readonly msg: core.EventMsg }>;
    };
    readonly [key: string]: unknown;
  };
}

/** Every notification this server sends beyond the MCP ones. */
export type CodexNotification = CodexEventNotification | InitialStateNotification;

/** The method of each notification, typed, so that no literal is written twice. */
export const CODEX_EVENT = 'codex/event' satisfies CodexEventNotification['method'];
export const INITIAL_STATE =
  'notifications/initial_state' satisfies InitialStateNotification['method'];

/** The `codex/event` notification of `event`. */
export function codexEvent(
  event: core.Event,
  meta: { readonly threadId: string; readonly requestId?: RequestId },
): CodexEventNotification {
  return { method: CODEX_EVENT, params: { _meta: meta, id: event.id, msg: event.msg } };
}
