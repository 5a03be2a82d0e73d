import type { Logger } from '@codex/common';
import type { Thread } from '@codex/core';
import {
  commandDecision,
  type ElicitationMessage,
  fileChangeDecision,
  legacyDecision,
  ThreadEventTranslator,
  type ToolCallMessage,
  type TranslatedMessage,
} from '@codex/core/wire';
import { ConnectionError } from '@codex/jsonrpc';
import { type core, type RequestId, v1, type v2 } from '@codex/protocol';
import type { ClientSession } from './client-session.js';
import { hostToolFailure, hostToolName } from './host-tools.js';
import type { ServerNotificationMethod, ServerNotificationParams } from './tables.js';

type ApprovalMessage = Extract<TranslatedMessage, { kind: 'approval' }>;

/** An approval the thread waits for, and the clients it was asked of. */
interface PendingApproval {
  readonly callId: string;
  readonly kind: 'exec' | 'patch';
  /** The v2 request (from the translator); absent until it has been produced. */
  v2: ApprovalMessage | undefined;
  /** The v1 request (`execCommandApproval` / `applyPatchApproval`). */
  readonly legacy:
    | { readonly method: 'execCommandApproval'; readonly params: v2.ExecCommandApprovalParams }
    | { readonly method: 'applyPatchApproval'; readonly params: v2.ApplyPatchApprovalParams };
  /** Outstanding requests: client → request id, and whether it was the v2 form. */
  readonly asked: Map<ClientSession, { readonly id: RequestId; readonly v2: boolean }>;
  settled: boolean;
}

/** An MCP elicitation the thread waits for, and the clients it was asked of. */
interface PendingElicitation {
  readonly message: ElicitationMessage;
  /** Outstanding `mcpServer/elicitation/request`s: client → request id. */
  readonly asked: Map<ClientSession, RequestId>;
  settled: boolean;
}

/** A host tool call the thread waits for. */
interface PendingToolCall {
  readonly message: ToolCallMessage;
  /** When the client's time is up (unix ms), whichever client is asked. */
  readonly deadline: number;
  /** Clients asked so far (one at a time: another only when one disconnects). */
  readonly tried: Set<ClientSession>;
  settled: boolean;
}

/** Default of {@link LiveThreadOptions.dynamicToolTimeoutMs}: 10 minutes, as approvals. */
export const DEFAULT_DYNAMIC_TOOL_TIMEOUT_MS = 10 * 60 * 1000;

/** Options of {@link LiveThread}. */
export interface LiveThreadOptions {
  readonly logger: Logger;
  /** Called once the core thread has unloaded and every client was told. */
  readonly onClosed: (live: LiveThread) => void;
  /** How long a client has to answer `item/tool/call`. Default 10 minutes. */
  readonly dynamicToolTimeoutMs?: number;
  /**
   * Serve the events the thread has kept so far too: for a thread this server just loaded, whose
   * MCP servers may have reported their start-up before the first client subscribed.
   */
  readonly replay?: boolean;
}

/**
 * A loaded thread as the app-server serves it: one reader of the core thread's events, one
 * translator to v2, and the clients following it (v2 subscribers and v1 listeners). Each event
 * is translated once and fanned out in order, so every client sees the same sequence; approvals
 * are asked of every subscribed client and the first answer wins.
 */
export class LiveThread {
  readonly id: string;
  private readonly subscribers = new Set<ClientSession>();
  private readonly listeners = new Map<ClientSession, number>();
  private readonly pending = new Map<string, PendingApproval>();
  private readonly elicitations = new Map<string, PendingElicitation>();
  private readonly toolCalls = new Map<string, PendingToolCall>();
  /** The client that registered the thread's host tools: `item/tool/call` goes to it first. */
  private toolHost: ClientSession | null = null;
  private readonly translator: ThreadEventTranslator;
  private readonly interruptWaiters: Array<() => void> = [];
  private runningTurn: string | null = null;
  private hold: Promise<void> | null = null;
  /** The client that started the thread (`clientInfo.name`), when it started here. */
  originator: string | null = null;
  private lastTokenUsage: ServerNotificationParams<'thread/tokenUsage/updated'> | null = null;
  private readonly logger: Logger;
  /** Settles when the core thread's events have ended (it unloaded). */
  readonly done: Promise<void>;

  constructor(
    readonly thread: Thread,
    private readonly options: LiveThreadOptions,
  ) {
    this.id = thread.id;
    this.logger = options.logger;
    this.translator = new ThreadEventTranslator({ threadId: thread.id });
    this.done = this.pump();
  }

  /** The thread's v2 status. */
  get status(): v2.ThreadStatus {
    return this.translator.status;
  }

  /** The running turn: from its submission until its `task_complete` or `turn_aborted`. */
  get activeTurnId(): string | null {
    return this.runningTurn;
  }

  /**
   * Notes the turn a submission started (the session knows its id before `task_started`), so
   * that it counts as running at once.
   */
  turnSubmitted(): string | null {
    this.runningTurn = this.thread.session.activeTurnId ?? this.runningTurn;
    this.holdEvents();
    return this.runningTurn;
  }

  /**
   * Holds the thread's notifications until the current request's response has been queued:
   * `turn/start`'s answer comes before the turn's first notification, as in the original.
   */
  holdEvents(): void {
    this.holdUntil(new Promise<void>((resolve) => setImmediate(resolve)));
  }

  /**
   * Holds the thread's notifications until `released` settles (and any earlier hold): what a
   * handler sends after its response (`thread/started`) comes before them.
   */
  holdUntil(released: Promise<unknown>): void {
    const hold: Promise<void> = Promise.allSettled([this.hold, released]).then(() => {
      if (this.hold === hold) this.hold = null;
    });
    this.hold = hold;
  }

  /** Makes `session` the client that runs the thread's host tools (it registered them). */
  hostTools(session: ClientSession): void {
    this.toolHost = session;
  }

  /** The latest token usage, to restore a resuming client's meter. */
  get tokenUsage(): ServerNotificationParams<'thread/tokenUsage/updated'> | null {
    return this.lastTokenUsage;
  }

  get subscriberCount(): number {
    return this.subscribers.size + this.listeners.size;
  }

  isSubscribed(session: ClientSession): boolean {
    return this.subscribers.has(session);
  }

  /** Makes `session` receive this thread's v2 notifications; re-asks pending approvals. */
  subscribe(session: ClientSession): void {
    this.subscribers.add(session);
    session.threads.add(this.id);
    for (const pending of this.pending.values()) this.ask(pending, session);
    for (const pending of this.elicitations.values()) this.askElicitation(pending, session);
  }

  /** Stops `session`'s v2 notifications. Returns whether it was subscribed. */
  unsubscribe(session: ClientSession): boolean {
    session.threads.delete(this.id);
    return this.subscribers.delete(session);
  }

  /** Adds a v1 listener (`addConversationListener`): `codex/event/*` for every event. */
  addListener(session: ClientSession): void {
    this.listeners.set(session, (this.listeners.get(session) ?? 0) + 1);
    for (const pending of this.pending.values()) this.ask(pending, session);
  }

  /** Removes one v1 listener of `session`. */
  removeListener(session: ClientSession): void {
    const count = this.listeners.get(session) ?? 0;
    if (count <= 1) this.listeners.delete(session);
    else this.listeners.set(session, count - 1);
  }

  /** Forgets a client that disconnected. */
  detach(session: ClientSession): void {
    this.subscribers.delete(session);
    this.listeners.delete(session);
    if (this.toolHost === session) this.toolHost = null;
  }

  /** Sends a notification to every v2 subscriber. */
  broadcast<M extends ServerNotificationMethod>(
    method: M,
    params: ServerNotificationParams<M>,
  ): void {
    for (const session of this.subscribers) session.notify(method, params);
  }

  /**
   * Interrupts the running turn; resolves once it has stopped (`turn_aborted`), or at once
   * with false when nothing was running.
   */
  interrupt(): Promise<boolean> {
    if (this.runningTurn === null) return Promise.resolve(false);
    const stopped = new Promise<boolean>((resolve) => {
      this.interruptWaiters.push(() => resolve(true));
    });
    this.thread.submit({ type: 'interrupt' });
    return stopped;
  }

  private async pump(): Promise<void> {
    const subscription = this.thread.subscribe({ replay: this.options.replay ?? false });
    let lagWarned = false;
    try {
      for await (const item of subscription) {
        if (item.kind === 'lagged') {
          if (!lagWarned) this.logger.error(`thread ${this.id}: ${item.missed} events were lost`);
          lagWarned = true;
          continue;
        }
        while (this.hold) await this.hold;
        if (this.interruptWaiters.length > 0 && item.event.msg.type === 'turn_aborted') {
          // `turn/interrupt` is answered before the turn's end is announced, as the original.
          for (const resolve of this.interruptWaiters.splice(0)) resolve();
          await new Promise((resolve) => setImmediate(resolve));
        }
        this.dispatch(item.event);
      }
    } catch (error) {
      this.logger.error(`thread ${this.id}: reading its events failed`, error);
    } finally {
      this.close();
    }
  }

  private dispatch(event: core.Event): void {
    const { msg } = event;
    if (msg.type === 'task_started') this.runningTurn = msg.turn_id ?? this.runningTurn;
    else if (msg.type === 'task_complete' || msg.type === 'turn_aborted') this.runningTurn = null;
    if (this.listeners.size > 0) {
      const method = v1.codexEventMethod(msg.type);
      const params = { id: event.id, msg, conversationId: this.id };
      for (const session of this.listeners.keys()) session.notify(method, params);
    }
    if (msg.type === 'exec_approval_request' || msg.type === 'apply_patch_approval_request') {
      this.track(msg);
    }
    for (const message of this.translator.translate(event)) {
      switch (message.kind) {
        case 'notification':
          if (message.method === 'thread/tokenUsage/updated') {
            this.lastTokenUsage =
              message.params as ServerNotificationParams<'thread/tokenUsage/updated'>;
          }
          this.broadcast(message.method, message.params);
          break;
        case 'approval': {
          const pending = this.pending.get(message.callId);
          if (!pending) continue;
          pending.v2 = message;
          for (const session of this.subscribers) this.ask(pending, session);
          for (const session of this.listeners.keys()) this.ask(pending, session);
          break;
        }
        case 'elicitation': {
          const pending: PendingElicitation = { message, asked: new Map(), settled: false };
          this.elicitations.set(message.key, pending);
          for (const session of this.subscribers) this.askElicitation(pending, session);
          break;
        }
        case 'toolCall': {
          const pending: PendingToolCall = {
            message,
            deadline: Date.now() + this.toolTimeoutMs,
            tried: new Set(),
            settled: false,
          };
          this.toolCalls.set(message.callId, pending);
          this.callTool(pending);
          break;
        }
      }
    }
    if (msg.type === 'task_complete' || msg.type === 'turn_aborted') {
      // Requests still open belong to a turn that is over.
      for (const pending of this.pending.values()) this.settle(pending, 'abort', false);
      for (const pending of this.elicitations.values()) {
        this.resolveElicitation(pending, { action: 'cancel' }, false);
      }
      for (const pending of this.toolCalls.values()) pending.settled = true;
      this.toolCalls.clear();
    }
  }

  private get toolTimeoutMs(): number {
    return this.options.dynamicToolTimeoutMs ?? DEFAULT_DYNAMIC_TOOL_TIMEOUT_MS;
  }

  // ---- MCP elicitations: asked of every v2 subscriber, the first answer wins ----

  private askElicitation(pending: PendingElicitation, session: ClientSession): void {
    if (pending.settled || pending.asked.has(session) || session.closed) return;
    if (!this.subscribers.has(session)) return;
    const sent = session.request('mcpServer/elicitation/request', pending.message.params);
    pending.asked.set(session, sent.id);
    sent.result.then(
      (answer) => this.resolveElicitation(pending, answer, true),
      (error: unknown) => {
        if (pending.settled) return;
        const { serverName } = pending.message;
        if (ConnectionError.isInstance(error) && error.code === 'closed') {
          pending.asked.delete(session);
          // A client that goes away declines, unless another one can still answer.
          if (pending.asked.size === 0) {
            this.logger.warn(
              `thread ${this.id}: the client asked for ${serverName}'s elicitation disconnected; declining`,
            );
            this.resolveElicitation(pending, { action: 'decline' }, true);
          }
          return;
        }
        this.logger.warn(
          `thread ${this.id}: unusable answer to ${serverName}'s elicitation; declining`,
          error,
        );
        this.resolveElicitation(pending, { action: 'decline' }, true);
      },
    );
  }

  private resolveElicitation(
    pending: PendingElicitation,
    answer: v2.McpServerElicitationRequestResponse,
    submit: boolean,
  ): void {
    if (pending.settled) return;
    pending.settled = true;
    const { message } = pending;
    this.elicitations.delete(message.key);
    if (submit) {
      try {
        this.thread.submit({
          type: 'resolve_elicitation',
          server_name: message.serverName,
          request_id: message.requestId,
          decision: answer.action,
          ...(answer.content === undefined ? {} : { content: answer.content }),
          ...(answer._meta === undefined ? {} : { meta: answer._meta }),
        });
      } catch (error) {
        this.logger.warn(
          `thread ${this.id}: could not deliver the answer to ${message.serverName}'s elicitation`,
          error,
        );
      }
    }
    for (const [session, id] of pending.asked) {
      session.notify('serverRequest/resolved', {
        threadId: this.id,
        requestId: typeof id === 'bigint' ? Number(id) : id,
      });
    }
    for (const status of this.translator.approvalAnswered(message.key)) {
      if (status.kind === 'notification') this.broadcast(status.method, status.params);
    }
  }

  // ---- host tool calls: the client that registered the tools runs them ----

  /** The client to run a host tool call: the registering one, else another subscriber. */
  private toolRunner(tried: ReadonlySet<ClientSession>): ClientSession | undefined {
    const candidates = this.toolHost ? [this.toolHost, ...this.subscribers] : this.subscribers;
    for (const session of candidates) {
      if (!session.closed && !tried.has(session)) return session;
    }
    return undefined;
  }

  private callTool(pending: PendingToolCall): void {
    if (pending.settled) return;
    const { params } = pending.message;
    const name = hostToolName(params.namespace, params.tool);
    const runner = this.toolRunner(pending.tried);
    if (!runner) {
      this.answerTool(
        pending,
        hostToolFailure(
          `host tool ${name} could not be run: no client that can run it is connected to this thread`,
        ),
      );
      return;
    }
    pending.tried.add(runner);
    const sent = runner.request(
      'item/tool/call',
      params,
      Math.max(1, pending.deadline - Date.now()),
    );
    sent.result.then(
      (answer) => this.answerTool(pending, answer),
      (error: unknown) => {
        if (pending.settled) return;
        if (ConnectionError.isInstance(error) && error.code === 'closed') {
          this.callTool(pending); // the next client, if any, in the time that is left
          return;
        }
        this.answerTool(pending, hostToolFailure(this.toolCallProblem(name, error)));
      },
    );
  }

  /** What to tell the model when the client did not answer a host tool call usably. */
  private toolCallProblem(name: string, error: unknown): string {
    if (ConnectionError.isInstance(error) && error.code === 'timeout') {
      const seconds = Math.round(this.toolTimeoutMs / 1000);
      return `host tool ${name} timed out: the client did not answer within ${seconds} s`;
    }
    if (ConnectionError.isInstance(error) && error.code === 'invalid_result') {
      this.logger.warn(`thread ${this.id}: malformed answer to host tool ${name}`, error);
      return `host tool ${name} failed: the client's answer was malformed (${error.message})`;
    }
    const reason = error instanceof Error ? error.message : String(error);
    return `host tool ${name} failed: ${reason}`;
  }

  private answerTool(pending: PendingToolCall, answer: v2.DynamicToolCallResponse): void {
    if (pending.settled) return;
    pending.settled = true;
    const { callId } = pending.message;
    this.toolCalls.delete(callId);
    try {
      this.thread.submit({
        type: 'dynamic_tool_response',
        id: callId,
        response: { content_items: answer.contentItems, success: answer.success },
      });
    } catch (error) {
      this.logger.warn(`thread ${this.id}: could not deliver host tool result ${callId}`, error);
    }
  }

  private track(
    msg: Extract<
      core.EventMsg,
      { type: 'exec_approval_request' } | { type: 'apply_patch_approval_request' }
    >,
  ): void {
    const legacy: PendingApproval['legacy'] =
      msg.type === 'exec_approval_request'
        ? {
            method: 'execCommandApproval',
            params: {
              conversationId: this.id,
              callId: msg.call_id,
              command: msg.command,
              cwd: msg.cwd,
              reason: msg.reason ?? null,
              parsedCmd: [],
            },
          }
        : {
            method: 'applyPatchApproval',
            params: {
              conversationId: this.id,
              callId: msg.call_id,
              fileChanges: msg.changes as v2.ApplyPatchApprovalParams['fileChanges'],
              reason: msg.reason ?? null,
              grantRoot: msg.grant_root ?? null,
            },
          };
    this.pending.set(msg.call_id, {
      callId: msg.call_id,
      kind: msg.type === 'exec_approval_request' ? 'exec' : 'patch',
      v2: undefined,
      legacy,
      asked: new Map(),
      settled: false,
    });
  }

  /** Asks `session` for a pending approval, in the form it speaks, unless it was asked. */
  private ask(pending: PendingApproval, session: ClientSession): void {
    if (pending.settled || pending.asked.has(session) || session.closed) return;
    if (this.subscribers.has(session) && pending.v2) {
      const message = pending.v2;
      if (message.method === 'item/commandExecution/requestApproval') {
        const sent = session.request(message.method, message.params);
        pending.asked.set(session, { id: sent.id, v2: true });
        this.await(pending, session, sent, (result) => commandDecision(result.decision));
      } else {
        const sent = session.request(message.method, message.params);
        pending.asked.set(session, { id: sent.id, v2: true });
        this.await(pending, session, sent, (result) => fileChangeDecision(result.decision));
      }
    } else if (this.listeners.has(session)) {
      const { legacy } = pending;
      const sent =
        legacy.method === 'execCommandApproval'
          ? session.request(legacy.method, legacy.params)
          : session.request(legacy.method, legacy.params);
      pending.asked.set(session, { id: sent.id, v2: false });
      this.await(pending, session, sent, (result) => legacyDecision(result.decision));
    }
  }

  private await<R extends { decision: unknown }>(
    pending: PendingApproval,
    session: ClientSession,
    sent: { readonly result: Promise<R> },
    decide: (result: R) => core.ReviewDecision,
  ): void {
    sent.result.then(
      (result) => this.settle(pending, decide(result), true),
      (error: unknown) => {
        if (pending.settled) return;
        if (ConnectionError.isInstance(error) && error.code === 'closed') {
          pending.asked.delete(session);
          // A client that goes away declines, unless another one can still answer.
          if (pending.asked.size === 0) {
            this.logger.warn(
              `thread ${this.id}: the client asked to approve ${pending.callId} disconnected; declining`,
            );
            this.settle(pending, 'denied', true);
          }
          return;
        }
        this.logger.warn(
          `thread ${this.id}: unusable answer to approval ${pending.callId}; declining`,
          error,
        );
        this.settle(pending, 'denied', true);
      },
    );
  }

  private settle(pending: PendingApproval, decision: core.ReviewDecision, submit: boolean): void {
    if (pending.settled) return;
    pending.settled = true;
    this.pending.delete(pending.callId);
    if (submit) {
      try {
        this.thread.submit({
          type: pending.kind === 'exec' ? 'exec_approval' : 'patch_approval',
          id: pending.callId,
          decision,
        });
      } catch (error) {
        this.logger.warn(`thread ${this.id}: could not deliver approval ${pending.callId}`, error);
      }
    }
    for (const [session, request] of pending.asked) {
      if (request.v2)
        session.notify('serverRequest/resolved', {
          threadId: this.id,
          requestId: typeof request.id === 'bigint' ? Number(request.id) : request.id,
        });
    }
    for (const message of this.translator.approvalAnswered(pending.callId)) {
      if (message.kind === 'notification') this.broadcast(message.method, message.params);
    }
  }

  private close(): void {
    for (const pending of this.pending.values()) pending.settled = true;
    this.pending.clear();
    for (const pending of this.elicitations.values()) pending.settled = true;
    this.elicitations.clear();
    for (const pending of this.toolCalls.values()) pending.settled = true;
    this.toolCalls.clear();
    this.toolHost = null;
    for (const resolve of this.interruptWaiters.splice(0)) resolve();
    this.broadcast('thread/closed', { threadId: this.id });
    for (const session of this.subscribers) session.threads.delete(this.id);
    this.subscribers.clear();
    this.listeners.clear();
    this.options.onClosed(this);
  }
}
