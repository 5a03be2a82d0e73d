import type { core } from '@codex/protocol';

/** A JSON-RPC request id as MCP carries it. */
export type RequestId = string | number;

/** `codex/event`: one core event, tagged with the thread and (for a tool call) its request id. */
export interface CodexEventNotification {
  /** `codex/event`. */
  readonly method: 'codex/event';
  /** The event, with the thread and request it belongs to. */
  readonly params: {
    /** Correlation of the event. */
    readonly _meta: {
      /** The thread (Codex session) the event belongs to. */
      readonly threadId: string;
      /** The `tools/call` request that runs the turn, when one does. */
      readonly requestId?: RequestId;
    };
    /** The id of the submission the event belongs to. */
    readonly id: string;
    /** The event itself. */
    readonly msg: core.EventMsg;
    readonly [key: string]: unknown;
  };
}

/** `notifications/initial_state`: what a thread did so far, sent when a client starts streaming it. */
export interface InitialStateNotification {
  /** `notifications/initial_state`. */
  readonly method: 'notifications/initial_state';
  /** The thread's events so far. */
  readonly params: {
    /** Correlation of the events. */
    readonly _meta: {
      /** The thread (Codex session) they belong to. */
      readonly threadId: string;
    };
    /** What the thread did so far. */
    readonly initial_state: {
      /** Its events, oldest first. */
      readonly events: ReadonlyArray<{
        /** The id of the submission the event belongs to. */
        readonly id: string;
        /** The event itself. */
        readonly msg: core.EventMsg;
      }>;
    };
    readonly [key: string]: unknown;
  };
}

/** Every notification this server sends beyond the MCP ones. */
export type CodexNotification = CodexEventNotification | InitialStateNotification;

/** The method of each notification, typed, so that no literal is written twice. */
export const CODEX_EVENT = 'codex/event' satisfies CodexEventNotification['method'];
/** The method of {@link InitialStateNotification}. */
export const INITIAL_STATE =
  'notifications/initial_state' satisfies InitialStateNotification['method'];

/** The `codex/event` notification of `event`. */
export function codexEvent(
  event: core.Event,
  meta: { readonly threadId: string; readonly requestId?: RequestId },
): CodexEventNotification {
  return { method: CODEX_EVENT, params: { _meta: meta, id: event.id, msg: event.msg } };
}
