import { defaultLogger, type Logger } from '@codex/common';
import type { v2 } from '@codex/protocol';
import type { JsonSchema } from '../client/types.js';
import type { NotificationOf, ServerNotificationMethod } from '../wire/translate.js';
import { CodexRunError } from './errors.js';
import type {
  ApprovalAnswer,
  ApprovalDecision,
  ApprovalHandler,
  ApprovalRequest,
  CodexInput,
  CodexInputItem,
  CodexThreadApi,
  RunOptions,
  RunResult,
  ThreadStreamEvent,
  TurnUsage,
} from './types.js';

/** A v2 server notification, typed by its method. */
export type ThreadNotification = {
  [M in ServerNotificationMethod]: NotificationOf<M>;
}[ServerNotificationMethod];

/** What a thread's transport hands the SDK: v2 notifications, and approvals to answer. */
export type ThreadWireMessage =
  | ThreadNotification
  | {
      /** An approval request to answer. */
      readonly kind: 'approval';
      /** What is asked. */
      readonly request: ApprovalRequest;
      /** Delivers the answer (once; later calls are ignored). */
      readonly respond: (answer: ApprovalAnswer) => void;
    }
  /** The transport lost the thread (connection closed, server gone): a running turn fails. */
  | {
      /** The transport lost the thread. */
      readonly kind: 'closed';
      /** Why, for the run's error message. */
      readonly reason: string;
    };

/**
 * How a {@link CodexThread} reaches its thread: in this process (a core `Thread`) or over an
 * app-server connection. Implement it to run the SDK over another transport.
 */
export interface ThreadTransport {
  /** The id of the thread it reaches. */
  readonly threadId: string;
  /** Starts delivering the thread's messages to `sink`, in order. Called once. */
  open(sink: (message: ThreadWireMessage) => void): void;
  /** Starts a turn; resolves with its id. */
  startTurn(input: readonly CodexInputItem[], outputSchema: JsonSchema | null): Promise<string>;
  /** Asks the running turn to stop (it then completes as `interrupted`). */
  interrupt(turnId: string): Promise<void>;
  /** Stops delivering messages and releases the thread. */
  close(): Promise<void>;
}

/** Options of {@link CodexThread}. */
export interface CodexThreadSettings {
  /** Decides the thread's approval requests; without one they are declined. */
  readonly onApproval?: ApprovalHandler;
  /** Where dropped deltas, failed handlers and failed interrupts are logged. */
  readonly logger?: Logger;
  /** Unread text, reasoning and output deltas kept per run before they are dropped. Default 8 MiB. */
  readonly maxQueuedDeltaBytes?: number;
  /**
   * How long an interrupted turn (aborted, or left early) may take to end before the run ends
   * without it. Default 30 s.
   */
  readonly interruptTimeoutMs?: number;
}

const DEFAULT_MAX_QUEUED_DELTA_BYTES = 8 * 1024 * 1024;
const DEFAULT_INTERRUPT_TIMEOUT_MS = 30_000;

const ZERO_USAGE: TurnUsage = {
  inputTokens: 0,
  cachedInputTokens: 0,
  outputTokens: 0,
  reasoningOutputTokens: 0,
  totalTokens: 0,
};

const addUsage = (a: TurnUsage, b: v2.TokenUsageBreakdown): TurnUsage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  reasoningOutputTokens: a.reasoningOutputTokens + b.reasoningOutputTokens,
  totalTokens: a.totalTokens + b.totalTokens,
});

const TERMINAL: ReadonlySet<ThreadStreamEvent['type']> = new Set([
  'turn.completed',
  'turn.failed',
  'turn.interrupted',
]);

/** The input as parts; refuses an empty one. */
export function inputItems(input: CodexInput): CodexInputItem[] {
  const items: CodexInputItem[] =
    typeof input === 'string' ? [{ type: 'text', text: input }] : [...input];
  if (items.length === 0 || (items.length === 1 && items[0]?.type === 'text' && !items[0].text)) {
    throw new CodexRunError('invalid_input', 'the input of a turn must not be empty');
  }
  items.forEach((item, index) => {
    if (item?.type !== 'text' && item?.type !== 'image' && item?.type !== 'localImage') {
      throw new CodexRunError(
        'invalid_input',
        `input[${index}] has unknown type ${JSON.stringify((item as { type?: unknown })?.type)}`,
      );
    }
  });
  return items;
}

/** The v2 result of each kind of approval request. */
export interface ApprovalResults {
  /** The `item/commandExecution/requestApproval` result. */
  readonly commandExecution: v2.CommandExecutionRequestApprovalResponse;
  /** The `item/fileChange/requestApproval` result. */
  readonly fileChange: v2.FileChangeRequestApprovalResponse;
  /** The `mcpServer/elicitation/request` result. */
  readonly mcpElicitation: v2.McpServerElicitationRequestResponse;
}

const MCP_ACTIONS: Readonly<Record<ApprovalDecision, v2.McpServerElicitationAction>> = {
  accept: 'accept',
  acceptForSession: 'accept',
  decline: 'decline',
  cancel: 'cancel',
};

/**
 * An answer as the v2 result of its request: what an app-server client sends back, and what
 * the in-process transport turns into core ops. `acceptForSession` of an MCP request accepts
 * with `_meta.persist = "session"`.
 */
export function approvalResult<T extends ApprovalRequest['type']>(
  type: T,
  answer: ApprovalAnswer,
): ApprovalResults[T] {
  const { decision, content } =
    typeof answer === 'string' ? { decision: answer, content: undefined } : answer;
  if (type !== 'mcpElicitation') return { decision } as ApprovalResults[T];
  const result: v2.McpServerElicitationRequestResponse = {
    action: MCP_ACTIONS[decision],
    ...(content === undefined ? {} : { content }),
    ...(decision === 'acceptForSession' ? { _meta: { persist: 'session' } } : {}),
  };
  return result as ApprovalResults[T];
}

/** The turn a notification belongs to, when it names one. */
function turnIdOf(message: ThreadNotification): string | null {
  const params = message.params as { turnId?: unknown; turn?: { id?: unknown } };
  if (typeof params.turnId === 'string') return params.turnId;
  if (typeof params.turn?.id === 'string') return params.turn.id;
  return null;
}

/** One turn being run: its events queue up here until the caller reads them. */
class TurnRun {
  turnId: string | null = null;
  finished = false;
  /** Aborted when the run ends: approval prompts still open can be dismissed. */
  readonly ended = new AbortController();
  private readonly queue: ThreadStreamEvent[] = [];
  private reader: (() => void) | null = null;
  private readonly early: ThreadNotification[] = [];
  private readonly items: v2.ThreadItem[] = [];
  private finalResponse = '';
  private usage: TurnUsage = ZERO_USAGE;
  private deltaBytes = 0;
  private droppedDeltas = 0;

  constructor(
    private readonly maxDeltaBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Whether the run takes messages of `turnId` (a run that has no id yet takes the first). */
  owns(turnId: string | null): boolean {
    return turnId === null || this.turnId === null || turnId === this.turnId;
  }

  adopt(turnId: string): void {
    if (this.turnId !== null) return;
    this.turnId = turnId;
    for (const message of this.early.splice(0)) this.accept(message);
  }

  accept(message: ThreadNotification): void {
    if (this.finished) return;
    const turnId = turnIdOf(message);
    if (this.turnId === null) {
      // Messages that come before the run knows its turn: the turn's start names it.
      if (message.method === 'turn/started') this.adopt(message.params.turn.id);
      else {
        this.early.push(message);
        return;
      }
    } else if (turnId !== null && turnId !== this.turnId) {
      return;
    }
    const event = this.eventOf(message);
    if (event) this.push(event);
  }

  private eventOf(message: ThreadNotification): ThreadStreamEvent | null {
    switch (message.method) {
      case 'turn/started':
        return { type: 'turn.started', turnId: message.params.turn.id };
      case 'item/started':
        return { type: 'item.started', item: message.params.item };
      case 'item/completed': {
        const { item } = message.params;
        this.items.push(item);
        if (item.type === 'agentMessage') this.finalResponse = item.text;
        return { type: 'item.completed', item };
      }
      case 'item/agentMessage/delta':
        return { type: 'text.delta', itemId: message.params.itemId, delta: message.params.delta };
      case 'item/reasoning/summaryTextDelta':
      case 'item/reasoning/textDelta':
        return {
          type: 'reasoning.delta',
          itemId: message.params.itemId,
          delta: message.params.delta,
        };
      case 'item/commandExecution/outputDelta':
        return {
          type: 'command.output',
          itemId: message.params.itemId,
          delta: message.params.delta,
        };
      case 'turn/plan/updated':
        return {
          type: 'plan.updated',
          explanation: message.params.explanation ?? null,
          plan: message.params.plan,
        };
      case 'thread/tokenUsage/updated':
        this.usage = addUsage(this.usage, message.params.tokenUsage.last);
        return { type: 'usage.updated', usage: this.usage };
      case 'warning':
        return { type: 'warning', message: message.params.message };
      case 'error':
        return {
          type: 'error',
          message: message.params.error.message,
          willRetry: message.params.willRetry,
        };
      case 'turn/completed':
        return this.completion(message.params.turn);
      default:
        return null;
    }
  }

  private completion(turn: v2.Turn): ThreadStreamEvent {
    const { items, usage } = this;
    switch (turn.status) {
      case 'failed':
        return {
          type: 'turn.failed',
          turnId: turn.id,
          error: turn.error ?? { message: 'the turn failed' },
          items,
          usage,
        };
      case 'interrupted':
        return { type: 'turn.interrupted', turnId: turn.id, items, usage };
      default:
        return {
          type: 'turn.completed',
          result: { turnId: turn.id, finalResponse: this.finalResponse, items, usage },
        };
    }
  }

  /**
   * Ends the run here as interrupted when the turn did not end after an interrupt (a server
   * paused or unreachable): the caller is not held by a peer that does not answer.
   */
  abandon(): void {
    if (this.finished) return;
    this.push({
      type: 'turn.interrupted',
      turnId: this.turnId ?? '',
      items: this.items,
      usage: this.usage,
    });
  }

  /** Ends the run from outside (the thread closed). */
  fail(error: CodexRunError): void {
    if (this.finished) return;
    this.push({
      type: 'turn.failed',
      turnId: this.turnId ?? '',
      error: { message: error.message },
      items: this.items,
      usage: this.usage,
    });
  }

  private push(event: ThreadStreamEvent): void {
    if (TERMINAL.has(event.type)) {
      this.finished = true;
      this.ended.abort();
    } else if (isDelta(event)) {
      // A caller that stops reading must not grow memory without bound: past the budget its
      // deltas are dropped (the completed items still carry the whole text).
      const bytes = event.delta.length * 2;
      if (this.deltaBytes + bytes > this.maxDeltaBytes) {
        if (this.droppedDeltas++ === 0) {
          this.logger.warn(
            `turn ${this.turnId}: the reader is behind by more than ${this.maxDeltaBytes} bytes of deltas; dropping deltas until it catches up`,
          );
        }
        return;
      }
      this.deltaBytes += bytes;
    }
    this.queue.push(event);
    const reader = this.reader;
    this.reader = null;
    reader?.();
  }

  /** The next event, waiting for it. */
  async next(): Promise<ThreadStreamEvent> {
    for (;;) {
      const event = this.queue.shift();
      if (event) {
        if (isDelta(event)) this.deltaBytes -= event.delta.length * 2;
        return event;
      }
      await new Promise<void>((resolve) => {
        this.reader = resolve;
      });
    }
  }

  /** Resolves once the terminal event has been queued. */
  whenFinished(): Promise<void> {
    if (this.finished) return Promise.resolve();
    return new Promise((resolve) => {
      this.ended.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}

const isDelta = (
  event: ThreadStreamEvent,
): event is Extract<ThreadStreamEvent, { readonly delta: string }> =>
  event.type === 'text.delta' ||
  event.type === 'reasoning.delta' ||
  event.type === 'command.output';

/**
 * A conversation with the agent, one turn at a time: `run` for the result, `runStreamed` for
 * the events as they happen. The same class serves threads in this process ({@link Codex}) and
 * threads of a remote app-server (`RemoteCodex` of `@codex/app-server`), through a
 * {@link ThreadTransport}.
 */
export class CodexThread implements CodexThreadApi {
  private current: TurnRun | null = null;
  private closed = false;
  private readonly logger: Logger;
  private warnedNoHandler = false;

  constructor(
    private readonly transport: ThreadTransport,
    private readonly settings: CodexThreadSettings = {},
  ) {
    this.logger = settings.logger ?? defaultLogger;
    transport.open((message) => this.receive(message));
  }

  /** The thread's id: pass it to `resumeThread` or `forkThread` later. */
  get id(): string {
    return this.transport.threadId;
  }

  /** Whether a turn is running. */
  get running(): boolean {
    return this.current !== null;
  }

  async run(input: CodexInput, options: RunOptions = {}): Promise<RunResult> {
    let last: ThreadStreamEvent | undefined;
    for await (const event of this.runStreamed(input, options)) last = event;
    switch (last?.type) {
      case 'turn.completed':
        return last.result;
      case 'turn.failed':
        if (this.closed) {
          throw new CodexRunError('closed', last.error.message, { turnError: last.error });
        }
        throw new CodexRunError('turn_failed', `the turn failed: ${last.error.message}`, {
          turnError: last.error,
        });
      case 'turn.interrupted':
        if (options.signal?.aborted) throw options.signal.reason;
        throw new CodexRunError('interrupted', `turn ${last.turnId} was interrupted`);
      default:
        throw new CodexRunError('closed', 'the thread closed before the turn ended');
    }
  }

  async *runStreamed(
    input: CodexInput,
    options: RunOptions = {},
  ): AsyncGenerator<ThreadStreamEvent, void> {
    const items = inputItems(input);
    const { signal } = options;
    signal?.throwIfAborted();
    if (this.closed) throw new CodexRunError('closed', `thread ${this.id} is closed`);
    if (this.current) {
      throw new CodexRunError(
        'turn_in_progress',
        `thread ${this.id} is already running a turn; wait for it to end or abort it`,
      );
    }
    const run = new TurnRun(
      this.settings.maxQueuedDeltaBytes ?? DEFAULT_MAX_QUEUED_DELTA_BYTES,
      this.logger,
    );
    this.current = run;
    const interruptTimeoutMs = this.settings.interruptTimeoutMs ?? DEFAULT_INTERRUPT_TIMEOUT_MS;
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    const interrupt = () => {
      if (run.turnId === null || run.finished || giveUp) return;
      this.transport.interrupt(run.turnId).catch((error: unknown) => {
        this.logger.warn(`thread ${this.id}: could not interrupt turn ${run.turnId}`, error);
      });
      giveUp = setTimeout(() => {
        if (run.finished) return;
        this.logger.warn(
          `thread ${this.id}: turn ${run.turnId} did not end within ${interruptTimeoutMs} ms of its interrupt; the run ends here`,
        );
        run.abandon();
      }, interruptTimeoutMs);
    };
    try {
      run.adopt(await this.transport.startTurn(items, options.outputSchema ?? null));
      signal?.addEventListener('abort', interrupt, { once: true });
      if (signal?.aborted) interrupt();
      for (;;) {
        const event = await run.next();
        yield event;
        if (TERMINAL.has(event.type)) return;
      }
    } finally {
      signal?.removeEventListener('abort', interrupt);
      if (!run.finished && run.turnId !== null) {
        // The caller left the loop early: the turn must end before the next one can start.
        interrupt();
        await run.whenFinished();
      }
      clearTimeout(giveUp);
      run.ended.abort();
      if (this.current === run) this.current = null;
    }
  }

  /** Ends the thread: a running turn fails with `closed`; the thread can be resumed later. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.current?.fail(new CodexRunError('closed', `thread ${this.id} was closed`));
    await this.transport.close();
  }

  private receive(message: ThreadWireMessage): void {
    if (message.kind === 'closed') {
      this.closed = true;
      this.current?.fail(new CodexRunError('closed', `thread ${this.id}: ${message.reason}`));
      return;
    }
    if (message.kind === 'approval') {
      this.approve(message.request, message.respond);
      return;
    }
    const run = this.current;
    if (run?.owns(turnIdOf(message))) run.accept(message);
  }

  private approve(request: ApprovalRequest, respond: (answer: ApprovalAnswer) => void): void {
    const handler = this.settings.onApproval;
    const run = this.current;
    if (!handler || !run) {
      if (!this.warnedNoHandler) {
        this.warnedNoHandler = true;
        this.logger.warn(
          `thread ${this.id}: ${handler ? 'an approval came with no turn running' : 'no onApproval handler'}; declining (logged once)`,
        );
      }
      respond('decline');
      return;
    }
    let answered = false;
    const answer = (value: ApprovalAnswer) => {
      if (answered) return;
      answered = true;
      respond(value);
    };
    // A request still open when its turn ends gets an answer all the same (a remote server
    // would otherwise wait for it): nothing runs any more, so decline.
    if (run.ended.signal.aborted) {
      answer('decline');
      return;
    }
    run.ended.signal.addEventListener('abort', () => answer('decline'), { once: true });
    Promise.resolve()
      .then(() => handler(request, { threadId: this.id, signal: run.ended.signal }))
      .then(answer, (error: unknown) => {
        this.logger.warn(`thread ${this.id}: the onApproval handler failed; declining`, error);
        answer('decline');
      });
  }
}
