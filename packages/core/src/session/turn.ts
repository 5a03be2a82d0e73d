import { CodexError, type Logger, uuidv7 } from '@codex/common';
import type { core } from '@codex/protocol';
import { ModelError } from '../client/errors.js';
import type { ModelClient } from '../client/model-client.js';
import type { ResponseEvent, ResponseItem, TokenUsage } from '../client/types.js';
import { isOpenaiProvider } from '../providers.js';
import { approxTokenCount } from '../tools/truncate.js';
import type { Approvals } from './approvals.js';
import { autoCompactLimit, compactConversation } from './compact.js';
import type { Conversation } from './conversation.js';
import { modelFamily, unknownModelWarning } from './model-family.js';
import { developerItem, TURN_ABORTED_MESSAGE, userInputItem, userInputItemOf } from './prompt.js';
import { outputItemFor, type ToolCall, type ToolResult, toolCallOf } from './tool-call.js';
import { type ToolHandler, type ToolServices, type ToolSet, toolsFor } from './tools/index.js';
import type { TurnContext } from './turn-context.js';
import { TurnDiffTracker } from './turn-diff.js';
import type { TurnHooks } from './turn-hooks.js';

/** What a turn needs from its session. */
export interface TurnRunnerOptions {
  readonly context: TurnContext;
  /** The session's conversation; the turn appends to it. */
  readonly history: Conversation;
  readonly initialInput: readonly core.InputItem[];
  readonly modelClient: ModelClient;
  readonly services: ToolServices;
  readonly approvals: Approvals;
  /** The session's running total, updated in place. */
  readonly threadUsage: TokenUsage;
  readonly sessionId: string;
  readonly emit: (msg: core.EventMsg) => void;
  /** Resolves when the event reader has caught up (undefined: no need to wait). */
  readonly waitForReader: () => Promise<void> | undefined;
  readonly logger: Logger;
  /** The context messages a compacted history starts with. */
  readonly contextItems: () => readonly ResponseItem[];
  /** Tokens the context held at the last model response (updated in place). */
  readonly contextTokens: { value: number };
  /** The turn only compacts the conversation (the `compact` op). */
  readonly compactOnly?: boolean;
  /** The user's hooks, given the turn's abort signal (none: no hook runs). */
  readonly hooks?: (signal: AbortSignal) => TurnHooks;
  /** Set on the session's first turn: `SessionStart` hooks run with this source. */
  readonly sessionStart?: 'startup' | 'resume';
}

/** How many times `Stop` hooks may send the agent back to work in one turn. */
const MAX_STOP_HOOK_CONTINUATIONS = 8;

/** What one model request produced. */
interface Sample {
  readonly calls: ToolCall[];
  readonly lastAgentMessage: string | null;
}

/** What the model is told for a call the interrupt cut short (the original's words). */
const ABORTED_OUTPUT = 'aborted by user';

/** Thrown inside the turn once it is interrupted or a decision aborted it. */
class TurnAborted extends Error {}

const addUsage = (total: TokenUsage, add: TokenUsage): TokenUsage => ({
  input_tokens: total.input_tokens + add.input_tokens,
  cached_input_tokens: (total.cached_input_tokens ?? 0) + (add.cached_input_tokens ?? 0),
  output_tokens: total.output_tokens + add.output_tokens,
  reasoning_output_tokens:
    (total.reasoning_output_tokens ?? 0) + (add.reasoning_output_tokens ?? 0),
  total_tokens: total.total_tokens + add.total_tokens,
});

/**
 * One turn: the user's input goes to the model; tool calls run and their outputs go back;
 * this repeats until the model answers without calling a tool and no steering input waits.
 * Ends with exactly one `task_complete` or `turn_aborted`.
 */
export class TurnRunner {
  private readonly controller = new AbortController();
  private readonly pending: Array<readonly core.InputItem[]> = [];
  private accepting = true;
  private readonly diff: TurnDiffTracker;
  private turnUsage: TokenUsage = {
    input_tokens: 0,
    cached_input_tokens: 0,
    output_tokens: 0,
    reasoning_output_tokens: 0,
    total_tokens: 0,
  };
  private readonly family;
  /** The tools this turn offers (fixed for the turn), once its first request is built. */
  private tools: ToolSet | null = null;
  /** Settles when the turn is interrupted (never rejects). */
  private readonly aborted: Promise<void>;
  private readonly hooks: TurnHooks | null;

  constructor(private readonly options: TurnRunnerOptions) {
    this.diff = new TurnDiffTracker(options.context.cwd);
    this.family = modelFamily(options.context.model, options.services.config);
    const { signal } = this.controller;
    this.aborted = new Promise((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    this.hooks = options.hooks?.(signal) ?? null;
  }

  private get context(): TurnContext {
    return this.options.context;
  }

  /** Delivers input to the model at the turn's next step; false once the turn is finishing. */
  steer(items: readonly core.InputItem[]): boolean {
    if (!this.accepting) return false;
    this.pending.push(items);
    return true;
  }

  /** Aborts the model stream, terminates running commands and cancels pending approvals. */
  interrupt(): void {
    if (this.controller.signal.aborted) return;
    // Input from now on starts the next turn.
    this.accepting = false;
    this.controller.abort(new TurnAborted('interrupted'));
    this.options.approvals.abortAll();
    this.options.services.unifiedExec.terminateAll().catch((error: unknown) => {
      this.options.logger.warn('could not terminate every command on interrupt', error);
    });
  }

  async run(): Promise<void> {
    const { emit } = this.options;
    const turnId = this.context.turnId;
    emit({
      type: 'task_started',
      turn_id: turnId,
      model_context_window: this.family.contextWindow,
    });
    if (!this.family.known)
      emit({ type: 'warning', message: unknownModelWarning(this.family.slug), turn_id: turnId });
    let lastAgentMessage: string | null = null;
    try {
      if (this.options.compactOnly) {
        await this.compact();
        this.accepting = false;
        emit({ type: 'task_complete', turn_id: turnId, last_agent_message: null });
        return;
      }
      if (this.hooks && this.options.sessionStart) {
        const context = await this.hooks.sessionStart(this.options.sessionStart);
        this.options.history.push(...context.map(developerItem));
      }
      if (!(await this.submitPrompt(this.options.initialInput))) {
        this.accepting = false;
        emit({ type: 'task_complete', turn_id: turnId, last_agent_message: null });
        return;
      }
      let stopContinuations = 0;
      for (;;) {
        this.throwIfAborted();
        while (this.pending.length > 0) await this.record(this.pending.shift() ?? []);
        if (this.options.contextTokens.value >= this.compactLimit) await this.compact();
        const sample = await this.sample();
        lastAgentMessage = sample.lastAgentMessage ?? lastAgentMessage;
        if (sample.calls.length > 0) {
          await this.runTools(sample.calls);
          continue;
        }
        if (this.pending.length > 0) continue;
        if (this.hooks && stopContinuations < MAX_STOP_HOOK_CONTINUATIONS) {
          const reason = await this.hooks.stop(lastAgentMessage, stopContinuations > 0);
          this.throwIfAborted();
          if (reason !== null) {
            stopContinuations++;
            this.options.history.push(userInputItem(reason));
            continue;
          }
        }
        // No await between this check and `accepting = false`: input that arrives later
        // starts the next turn instead of being lost in this one.
        this.accepting = false;
        break;
      }
      emit({ type: 'task_complete', turn_id: turnId, last_agent_message: lastAgentMessage });
    } catch (error) {
      this.accepting = false;
      if (this.controller.signal.aborted || error instanceof TurnAborted) {
        await this.finishAborted();
        return;
      }
      const message = (error as Error).message ?? String(error);
      const code = CodexError.isInstance(error) ? (error as CodexError).code : undefined;
      if (!ModelError.isInstance(error))
        this.options.logger.error(`turn ${turnId} failed: ${message}`, error);
      emit({ type: 'error', message, turn_id: turnId, ...(code ? { code } : {}) });
      this.repairHistory('the turn ended with an error before this call finished');
      await this.keepPendingInput();
      emit({ type: 'task_complete', turn_id: turnId, last_agent_message: null });
    }
  }

  /** Tokens past which the turn compacts before sampling. */
  private get compactLimit(): number {
    const toml = this.options.services.config.toml as Record<string, unknown>;
    return autoCompactLimit(this.family.contextWindow, toml.model_auto_compact_token_limit);
  }

  /** OpenAI providers compact remotely (`[features] remote_compaction` forces it on or off). */
  private get remoteCompaction(): boolean {
    const toml = this.options.services.config.toml as Record<string, unknown>;
    const features = (toml.features ?? {}) as Record<string, unknown>;
    const flag = features.remote_compaction;
    return typeof flag === 'boolean' ? flag : isOpenaiProvider(this.options.modelClient.provider);
  }

  /** Replaces the conversation with its summary (and the recent user messages). */
  private async compact(): Promise<void> {
    const { emit, history } = this.options;
    const turnId = this.context.turnId;
    const itemId = uuidv7();
    const tokensBefore = this.options.contextTokens.value;
    emit({ type: 'context_compaction_begin', turn_id: turnId, item_id: itemId });
    const { summary, replacement } = await compactConversation({
      modelClient: this.options.modelClient,
      items: history.items,
      contextItems: this.options.contextItems(),
      context: this.context,
      threadId: this.options.sessionId,
      signal: this.controller.signal,
      remote: this.remoteCompaction,
      prompt: this.options.services.config.toml.compact_prompt,
      onRemoteFailure: (error) =>
        this.options.logger.warn('remote compaction failed; summarising locally', error),
    });
    history.replace(replacement, summary);
    this.options.contextTokens.value = approxTokenCount(JSON.stringify(replacement));
    emit({
      type: 'context_compacted',
      turn_id: turnId,
      item_id: itemId,
      tokens_before: tokensBefore > 0 ? tokensBefore : null,
    });
  }

  private throwIfAborted(): void {
    if (this.controller.signal.aborted) throw new TurnAborted('interrupted');
  }

  /** Ends an aborted turn: outputs for unfinished calls, the abort marker, `turn_aborted`. */
  private async finishAborted(): Promise<void> {
    this.options.approvals.abortAll();
    await this.options.services.unifiedExec.terminateAll().catch((error: unknown) => {
      this.options.logger.warn('could not terminate every command on interrupt', error);
    });
    this.repairHistory(ABORTED_OUTPUT);
    this.options.history.push(userInputItem(TURN_ABORTED_MESSAGE));
    await this.keepPendingInput();
    this.options.emit({
      type: 'turn_aborted',
      reason: 'interrupted',
      turn_id: this.context.turnId,
    });
  }

  /** Answers every call in the history that has no output yet, so the next request is valid. */
  private repairHistory(output: string): void {
    const history = this.options.history;
    const answered = new Set<string>();
    for (const item of history.items)
      if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output')
        if (item.call_id) answered.add(item.call_id);
    for (const item of [...history.items]) {
      const call = toolCallOf(item);
      if (call && !answered.has(call.callId)) history.push(outputItemFor(call, output));
    }
  }

  /**
   * Records the turn's input after the `UserPromptSubmit` hooks allowed it (their context
   * follows it); false, with a warning, when one blocked it: the turn then ends at once.
   */
  private async submitPrompt(items: readonly core.InputItem[]): Promise<boolean> {
    const prompt = items.flatMap((entry) => (entry.type === 'text' ? [entry.text] : [])).join('\n');
    const outcome = this.hooks ? await this.hooks.userPromptSubmit(prompt) : null;
    this.throwIfAborted();
    const refusal = outcome?.blocked ?? outcome?.stop ?? null;
    if (refusal !== null) {
      this.options.emit({
        type: 'warning',
        message: `the prompt was blocked by a UserPromptSubmit hook: ${refusal}`,
        turn_id: this.context.turnId,
      });
      return false;
    }
    await this.record(items);
    this.options.history.push(...(outcome?.additionalContext ?? []).map(developerItem));
    return true;
  }

  private async record(items: readonly core.InputItem[]): Promise<void> {
    const item = await userInputItemOf(items);
    this.pushUser(items, item);
  }

  /** Steering input that never reached the model joins the conversation for the next turn. */
  private async keepPendingInput(): Promise<void> {
    for (const items of this.pending.splice(0)) await this.record(items);
  }

  private pushUser(items: readonly core.InputItem[], item: ResponseItem): void {
    this.options.history.push(item);
    const images = items.flatMap((entry) => (entry.type === 'image' ? [entry.image_url] : []));
    const localImages = items.flatMap((entry) =>
      entry.type === 'local_image' ? [entry.path] : [],
    );
    this.options.emit({
      type: 'user_message',
      message: items.flatMap((entry) => (entry.type === 'text' ? [entry.text] : [])).join('\n'),
      turn_id: this.context.turnId,
      item_id: uuidv7(),
      images: images.length > 0 ? images : null,
      ...(localImages.length > 0 ? { local_images: localImages } : {}),
    });
  }

  /** The turn's tools: the built-ins of the model's family and the session's others. */
  private async toolSet(): Promise<ToolSet> {
    if (this.tools) return this.tools;
    const extra = await Promise.race([this.options.services.extraTools(), this.aborted]);
    this.throwIfAborted();
    this.tools = toolsFor(this.family, this.options.services, extra ?? []);
    return this.tools;
  }

  /** One model request: streams it, emits what it says, returns its tool calls. */
  private async sample(): Promise<Sample> {
    const { modelClient, history } = this.options;
    const context = this.context;
    const turnId = context.turnId;
    const tools = await this.toolSet();
    const stream = modelClient.stream(
      {
        input: history.items,
        tools: tools.specs,
        parallelToolCalls: true,
        ...(context.outputSchema ? { outputSchema: context.outputSchema } : {}),
      },
      {
        model: context.model,
        reasoningEffort: context.effort,
        reasoningSummary: context.summary,
        threadId: this.options.sessionId,
        signal: this.controller.signal,
      },
    );
    let items: ResponseItem[] = [];
    let lastAgentMessage: string | null = null;
    for await (const event of stream) {
      const wait = this.options.waitForReader();
      if (wait) await Promise.race([wait, this.aborted]);
      this.throwIfAborted();
      lastAgentMessage = this.onStreamEvent(event, items, turnId) ?? lastAgentMessage;
      if (event.type === 'retrying') items = [];
    }
    history.push(...items);
    const calls = items.flatMap((item) => toolCallOf(item) ?? []);
    return { calls, lastAgentMessage };
  }

  /** Emits the events for one stream event; returns the agent's message when one completes. */
  private onStreamEvent(
    event: ResponseEvent,
    items: ResponseItem[],
    turnId: string,
  ): string | null {
    const { emit } = this.options;
    switch (event.type) {
      case 'outputTextDelta':
        emit({
          type: 'agent_message_delta',
          delta: event.delta,
          turn_id: turnId,
          ...(event.itemId ? { item_id: event.itemId } : {}),
        });
        return null;
      case 'reasoningSummaryDelta':
        emit({
          type: 'agent_reasoning_delta',
          delta: event.delta,
          turn_id: turnId,
          summary_index: event.summaryIndex,
          ...(event.itemId ? { item_id: event.itemId } : {}),
        });
        return null;
      case 'outputItemDone': {
        const item = event.item;
        if (item.type === 'other') return null;
        items.push(item);
        if (item.type === 'message' && item.role === 'assistant') {
          const text = item.content
            .flatMap((part) => (part?.type === 'output_text' ? [part.text] : []))
            .join('');
          emit({
            type: 'agent_message',
            message: text,
            turn_id: turnId,
            ...(item.id ? { item_id: item.id } : {}),
          });
          return text;
        }
        if (item.type === 'reasoning') {
          for (const part of item.summary)
            emit({
              type: 'agent_reasoning',
              text: part.text,
              turn_id: turnId,
              ...(item.id ? { item_id: item.id } : {}),
            });
        }
        return null;
      }
      case 'retrying':
        emit({
          type: 'stream_error',
          message: `Reconnecting... ${event.attempt}/${event.maxAttempts} (${event.reason})`,
          turn_id: turnId,
        });
        return null;
      case 'completed':
        if (event.tokenUsage) this.countTokens(event.tokenUsage);
        return null;
      default:
        return null;
    }
  }

  private countTokens(last: TokenUsage): void {
    this.options.contextTokens.value = last.total_tokens;
    this.turnUsage = addUsage(this.turnUsage, last);
    const thread = addUsage(this.options.threadUsage, last);
    Object.assign(this.options.threadUsage, thread);
    this.options.emit({
      type: 'token_count',
      ...last,
      turn_id: this.context.turnId,
      info: {
        total_token_usage: thread,
        last_token_usage: last,
        turn_token_usage: this.turnUsage,
        model_context_window: this.family.contextWindow,
      },
    });
  }

  /**
   * Runs the calls of one response. Calls to parallel-safe tools run together; any other call
   * waits for those before it and holds back those after it. Outputs join the conversation in
   * the order the model made the calls.
   */
  private async runTools(calls: readonly ToolCall[]): Promise<void> {
    const tools = await this.toolSet();
    const results: Array<Promise<ToolResult>> = [];
    let batch: Array<Promise<unknown>> = [];
    for (const call of calls) {
      const handler = tools.handlerFor(call);
      if (!handler?.parallel) {
        await Promise.allSettled(batch);
        batch = [];
      }
      // A call queued behind others does not start once the turn is interrupted.
      if (this.controller.signal.aborted) break;
      const result = this.runTool(call, tools);
      results.push(result);
      if (handler?.parallel) batch.push(result);
      else await result.catch(() => undefined);
    }
    const settled = await Promise.allSettled(results);
    // Calls that finished keep their real outputs, even when the turn was interrupted meanwhile.
    let failure: unknown;
    calls.forEach((call, index) => {
      const outcome = settled[index];
      if (!outcome) return;
      if (outcome.status === 'rejected') {
        failure ??= outcome.reason;
        return;
      }
      this.options.history.push(outputItemFor(call, outcome.value.output));
      this.options.history.push(...(outcome.value.followUp ?? []));
    });
    this.throwIfAborted();
    if (failure !== undefined) throw failure;
  }

  private async runTool(modelCall: ToolCall, tools: ToolSet): Promise<ToolResult> {
    const handler = tools.handlerFor(modelCall);
    if (!handler) return { output: `unsupported call: ${modelCall.name}` };
    let call = modelCall;
    const hooks = this.hooks;
    if (hooks) {
      const verdict = await hooks.preToolUse(call);
      this.throwIfAborted();
      if (verdict && 'blocked' in verdict) return { output: verdict.blocked };
      if (verdict) call = verdict.call;
    }
    const result = await this.handleCall(handler, call);
    if (!hooks) return result;
    const context = await hooks.postToolUse(call, result.output);
    if (context.length === 0) return result;
    return { ...result, followUp: [...(result.followUp ?? []), ...context.map(developerItem)] };
  }

  private async handleCall(handler: ToolHandler, call: ToolCall): Promise<ToolResult> {
    try {
      return await handler.handle({
        call,
        turn: this.context,
        signal: this.controller.signal,
        approvals: this.options.approvals,
        diff: this.diff,
        emit: this.options.emit,
        abortTurn: () => this.interrupt(),
      });
    } catch (error) {
      if (this.controller.signal.aborted) throw new TurnAborted('interrupted');
      this.options.logger.warn(`tool ${call.name} (${call.callId}) failed`, error);
      return { output: `tool ${call.name} failed: ${(error as Error).message}` };
    }
  }
}
