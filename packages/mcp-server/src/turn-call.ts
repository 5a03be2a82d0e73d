import { type Logger, settledWithin } from '@codex/common';
import type { Subscription, Thread } from '@codex/core';
import type { core } from '@codex/protocol';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  type ApprovalAnswer,
  type ApprovalElicitParams,
  type ApprovalRequest,
  approvalElicitation,
  decisionOf,
} from './approvals.js';
import { type CodexNotification, codexEvent, type RequestId } from './notifications.js';
import type { CodexToolOutput } from './tools.js';

/** A `tools/call` result of the `codex` tools. */
export interface CodexToolResult {
  /** The result as text, for clients that read only `content`. */
  readonly content: Array<{
    /** Always `text`. */
    readonly type: 'text';
    /** The last agent message, or the error. */
    readonly text: string;
  }>;
  /** The result as structured content. */
  readonly structuredContent: CodexToolOutput;
  /** Whether the turn failed. */
  readonly isError?: boolean;

  readonly [key: string]: unknown;
}

/** A result that carries the thread id and `text`, as content and as structured content. */
export function toolResult(threadId: string, text: string, isError = false): CodexToolResult {
  return {
    content: [{ type: 'text', text }],
    structuredContent: { threadId, content: text },
    ...(isError ? { isError: true } : {}),
  };
}

/** What a turn run by a tool call needs from the MCP connection. */
export interface TurnCallContext {
  /** The `tools/call` request's id: `_meta.requestId` of its events. */
  readonly requestId: RequestId;
  /** Aborted when the client cancels the call (`notifications/cancelled`). */
  readonly signal: AbortSignal;
  /** Whether the client declared the `elicitation` capability. */
  readonly canElicit: boolean;
  /** An approval nobody answers is declined after this long. */
  readonly approvalTimeoutMs: number;
  readonly logger: Logger;
  /** Sends a notification related to the call. */
  send(notification: CodexNotification): Promise<void>;
  /** Asks the client (`elicitation/create`); rejects on timeout or when `signal` aborts. */
  elicit(
    params: ApprovalElicitParams,
    options: { readonly signal: AbortSignal; readonly timeoutMs: number },
  ): Promise<ApprovalAnswer>;
}

/** Unread bytes of events the forwarder may fall behind by before it skips some. */
const FORWARD_QUEUE_BYTES = 16 * 1024 * 1024;
/** The control reader never waits on the client, so its queue stays near empty. */
const CONTROL_QUEUE_BYTES = 64 * 1024 * 1024;
/** How long the result waits for the turn's last events to be written. */
const FLUSH_WAIT_MS = 5_000;

const isTerminal = (msg: core.EventMsg): boolean =>
  msg.type === 'task_complete' || msg.type === 'turn_aborted';

const isApprovalRequest = (msg: core.EventMsg): msg is ApprovalRequest =>
  msg.type === 'exec_approval_request' || msg.type === 'apply_patch_approval_request';

/**
 * Runs one turn of `thread` for a tool call and returns the call's result once the turn ends.
 * Every event goes to the client as `codex/event` (with `replay`, the thread's events so far
 * come first); approvals are asked by elicitation; a cancelled call interrupts the turn.
 *
 * Two readers follow the thread: the forwarder, which waits on the client's pace, and the
 * control reader, which never does, so approvals and the end of the turn are handled however
 * slowly the client reads.
 */
export async function runTurnCall(
  thread: Thread,
  prompt: string,
  context: TurnCallContext,
  options: { readonly replay: boolean },
): Promise<CodexToolResult> {
  const threadId = thread.id;
  const forward = thread.subscribe({ replay: options.replay, maxQueuedBytes: FORWARD_QUEUE_BYTES });
  const control = thread.subscribe({ maxQueuedBytes: CONTROL_QUEUE_BYTES });
  const turnEnded = new AbortController();
  const forwarder = new Forwarder(forward, context, threadId);
  const interrupt = () => {
    try {
      thread.submit({ type: 'interrupt' });
    } catch (error) {
      context.logger.warn(`could not interrupt thread ${threadId} for a cancelled call`, error);
    }
  };
  try {
    if (context.signal.aborted) return toolResult(threadId, 'The call was cancelled.', true);
    try {
      thread.submit({ type: 'user_input', items: [{ type: 'text', text: prompt }] });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return toolResult(threadId, `Failed to start the turn: ${reason}`, true);
    }
    context.signal.addEventListener('abort', interrupt, { once: true });
    const outcome = await followTurn(thread, control, context, turnEnded.signal);
    // The answer goes last: after the turn's events (unless some were skipped already: the end
    // may be among them), and once the turn is recorded on disk.
    const ending = [thread.session.whenIdle(), ...(forwarder.lagged ? [] : [forwarder.done])];
    if (!(await settledWithin(Promise.all(ending), FLUSH_WAIT_MS)))
      context.logger.warn(`the end of the turn on thread ${threadId} took too long`);
    return outcome;
  } finally {
    context.signal.removeEventListener('abort', interrupt);
    turnEnded.abort();
    forward.close();
    control.close();
  }
}

/** Sends the thread's events until the end of a turn; stops for good if the client is gone. */
class Forwarder {
  /** Settles once the turn's last event was sent (or sending stopped). Never rejects. */
  readonly done: Promise<void>;
  /** Whether events were skipped because the client read too slowly. */
  lagged = false;

  constructor(
    private readonly subscription: Subscription,
    private readonly context: TurnCallContext,
    private readonly threadId: string,
  ) {
    this.done = this.run().catch((error: unknown) => {
      context.logger.error(`forwarding the events of thread ${threadId} failed`, error);
    });
  }

  private async run(): Promise<void> {
    const { context, threadId } = this;
    const meta = { threadId, requestId: context.requestId };
    for await (const item of this.subscription) {
      if (item.kind === 'lagged') {
        if (!this.lagged) {
          context.logger.warn(
            `the client reads events of thread ${threadId} too slowly; ${item.missed} were skipped`,
          );
        }
        this.lagged = true;
        continue;
      }
      try {
        await context.send(codexEvent(item.event, meta));
      } catch (error) {
        context.logger.warn(`stopped sending events of thread ${threadId} to the client`, error);
        return;
      }
      if (isTerminal(item.event.msg)) return;
    }
  }
}

/** Handles approvals and waits for the end of the turn; returns the call's result. */
async function followTurn(
  thread: Thread,
  control: Subscription,
  context: TurnCallContext,
  turnEnded: AbortSignal,
): Promise<CodexToolResult> {
  const threadId = thread.id;
  let lastError: string | null = null;
  let refusal: string | null = null;
  for await (const item of control) {
    if (item.kind === 'lagged') {
      context.logger.warn(`missed ${item.missed} events of thread ${threadId}`);
      if (!thread.session.busy) break;
      continue;
    }
    const { event } = item;
    const { msg } = event;
    if (isApprovalRequest(msg)) {
      if (context.canElicit) {
        askApproval(thread, event, msg, context, turnEnded).catch((error: unknown) => {
          context.logger.error(`asking about call ${msg.call_id} failed`, error);
        });
      } else {
        refusal ??= noElicitationMessage(msg);
        answerApproval(thread, msg, 'abort', context.logger);
      }
    } else if (msg.type === 'elicitation_request') {
      relayElicitation(thread, event, msg, context, turnEnded).catch((error: unknown) => {
        context.logger.error(
          `relaying the question of MCP server ${msg.server_name} failed`,
          error,
        );
      });
    } else if (msg.type === 'error') {
      lastError = msg.message;
    } else if (msg.type === 'task_complete') {
      const message = msg.last_agent_message ?? null;
      if (message === null && lastError !== null)
        return toolResult(threadId, `Codex error: ${lastError}`, true);
      return toolResult(threadId, message ?? '');
    } else if (msg.type === 'turn_aborted') {
      if (refusal !== null) return toolResult(threadId, refusal, true);
      if (context.signal.aborted) return toolResult(threadId, 'The call was cancelled.', true);
      return toolResult(threadId, `The turn was aborted (${msg.reason}).`, true);
    }
  }
  return toolResult(threadId, `Thread ${threadId} closed before the turn finished.`, true);
}

function noElicitationMessage(request: ApprovalRequest): string {
  const what =
    request.type === 'exec_approval_request'
      ? `run \`${request.command.join(' ')}\``
      : 'apply a patch';
  return (
    `Codex needs approval to ${what}, but this MCP client does not support elicitation ` +
    '(it did not declare the `elicitation` capability), so the turn was stopped. ' +
    'Use a client that supports elicitation, or call `codex` with `"approval-policy": "never"`.'
  );
}

/** Asks the client about one approval and submits its decision (denied when it cannot say). */
async function askApproval(
  thread: Thread,
  event: core.Event,
  request: ApprovalRequest,
  context: TurnCallContext,
  turnEnded: AbortSignal,
): Promise<void> {
  const params = approvalElicitation(request, {
    threadId: thread.id,
    toolCallId: String(context.requestId),
    eventId: event.id,
  });
  let decision: core.ReviewDecision;
  // Its own signal, let go of once answered: the SDK tells the client a request was cancelled
  // whenever its signal aborts, answered or not.
  const asking = new AbortController();
  const stopAsking = () => asking.abort();
  turnEnded.addEventListener('abort', stopAsking, { once: true });
  try {
    const answer = await context
      .elicit(params, { signal: asking.signal, timeoutMs: context.approvalTimeoutMs })
      .finally(() => turnEnded.removeEventListener('abort', stopAsking));
    const picked = decisionOf(answer);
    if (picked === null) {
      context.logger.warn(
        `unusable answer to the approval of call ${request.call_id}; declined`,
        Object.keys(answer),
      );
    }
    decision = picked ?? 'denied';
  } catch (error) {
    // The turn ended (finished, interrupted) or the call was cancelled (the client may be
    // gone): the interrupt settles the approval; nothing is left to answer.
    if (turnEnded.aborted || context.signal.aborted) return;
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      context.logger.warn(
        `nobody answered the approval of call ${request.call_id} within ${context.approvalTimeoutMs} ms; declined`,
      );
      decision = 'timed_out';
    } else {
      context.logger.warn(`the approval of call ${request.call_id} failed; declined`, error);
      decision = 'denied';
    }
  }
  answerApproval(thread, request, decision, context.logger);
}

type ElicitationRequest = Extract<core.EventMsg, { type: 'elicitation_request' }>;

/**
 * Relays a question of one of the session's MCP servers to the client and the answer back
 * (declined when the client cannot be asked, does not answer in time or fails).
 */
async function relayElicitation(
  thread: Thread,
  event: core.Event,
  request: ElicitationRequest,
  context: TurnCallContext,
  turnEnded: AbortSignal,
): Promise<void> {
  let answer: ApprovalAnswer = { action: 'decline' };
  if (context.canElicit) {
    const schema = request.requested_schema;
    const asking = new AbortController();
    const stopAsking = () => asking.abort();
    turnEnded.addEventListener('abort', stopAsking, { once: true });
    try {
      answer = await context
        .elicit(
          {
            message: request.message,
            requestedSchema:
              schema !== null && typeof schema === 'object'
                ? (schema as Record<string, unknown>)
                : { type: 'object', properties: {} },
            threadId: thread.id,
            codex_elicitation: 'mcp-server-elicitation',
            codex_mcp_tool_call_id: String(context.requestId),
            codex_event_id: event.id,
            codex_mcp_server: request.server_name,
            codex_elicitation_id: request.id,
            codex_meta: request.meta,
          },
          { signal: asking.signal, timeoutMs: context.approvalTimeoutMs },
        )
        .finally(() => turnEnded.removeEventListener('abort', stopAsking));
    } catch (error) {
      if (turnEnded.aborted || context.signal.aborted) return;
      context.logger.warn(
        `the question of MCP server ${request.server_name} failed; declined`,
        error,
      );
    }
  }
  const action = answer.action;
  const decision = action === 'accept' || action === 'cancel' ? action : 'decline';
  try {
    thread.submit({
      type: 'resolve_elicitation',
      server_name: request.server_name,
      request_id: request.id,
      decision,
      ...(decision === 'accept' && answer.content ? { content: answer.content } : {}),
      ...(answer._meta !== undefined ? { meta: answer._meta } : {}),
    });
  } catch (error) {
    context.logger.warn(
      `could not answer the question of MCP server ${request.server_name}`,
      error,
    );
  }
}

function answerApproval(
  thread: Thread,
  request: ApprovalRequest,
  decision: core.ReviewDecision,
  logger: Logger,
): void {
  const type = request.type === 'exec_approval_request' ? 'exec_approval' : 'patch_approval';
  try {
    thread.submit({ type, id: request.call_id, decision });
  } catch (error) {
    logger.warn(`could not answer the approval of call ${request.call_id}`, error);
  }
}
