import { asRecord, asString, type JsonObject } from '../json.js';
import { ModelError } from './errors.js';
import { readTokenUsage, type TurnSettings } from './responses.js';
import type { ContentItem, Prompt, ResponseEvent, ResponseItem, TokenUsage } from './types.js';

type Json = JsonObject;

/** A freeform tool's text input travels as `{"input": "..."}` over Chat Completions. */
const FREEFORM_PARAMETERS = {
  type: 'object',
  properties: { input: { type: 'string', description: 'The raw input of the tool.' } },
  required: ['input'],
  additionalProperties: false,
};

function messageContent(content: readonly (ContentItem | null)[]): string | Json[] {
  const parts = content.filter((part): part is ContentItem => part !== null);
  const images = parts.filter((part) => part.type === 'input_image' && 'image_url' in part);
  const text = (part: ContentItem) => ('text' in part ? part.text : '');
  if (images.length === 0) return parts.map(text).join('');
  return parts.flatMap((part): Json[] =>
    part.type === 'input_image' && 'image_url' in part
      ? [{ type: 'image_url', image_url: { url: part.image_url } }]
      : 'text' in part
        ? [{ type: 'text', text: part.text }]
        : [],
  );
}

/** A tool's output as Chat Completions text. */
const outputText = (output: string | readonly ({ type: string; text?: string } | null)[]) =>
  typeof output === 'string' ? output : output.map((part) => part?.text ?? '').join('');

/** Converts the conversation to Chat Completions `messages`. Reasoning items are dropped. */
export function chatMessages(prompt: Prompt): Json[] {
  const messages: Json[] = [];
  if (prompt.instructions) messages.push({ role: 'system', content: prompt.instructions });
  let pendingCalls: Json[] | null = null;
  const flushCalls = () => {
    if (pendingCalls) messages.push({ role: 'assistant', content: null, tool_calls: pendingCalls });
    pendingCalls = null;
  };
  const call = (id: string, name: string, args: string) => {
    pendingCalls ??= [];
    pendingCalls.push({ id, type: 'function', function: { name, arguments: args } });
  };
  for (const item of prompt.input) {
    switch (item.type) {
      case 'function_call':
        call(item.call_id, chatToolName(item.namespace, item.name), item.arguments);
        continue;
      case 'custom_tool_call':
        call(item.call_id, item.name, JSON.stringify({ input: item.input }));
        continue;
    }
    flushCalls();
    switch (item.type) {
      case 'message':
        messages.push({
          // Local servers rarely know `developer`; `system` means the same to them.
          role: item.role === 'developer' ? 'system' : item.role,
          content: messageContent(item.content),
        });
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        messages.push({
          role: 'tool',
          tool_call_id: item.call_id,
          content: outputText(item.output),
        });
        break;
      default:
        break; // reasoning and unknown items have no Chat Completions form
    }
  }
  flushCalls();
  return messages;
}

/** A namespaced function's name on Chat Completions (which has no namespaces). */
const chatToolName = (namespace: string | null | undefined, name: string): string =>
  namespace ? `${namespace}__${name}` : name;

/** The Chat Completions request body for one turn. */
export function buildChatRequest(prompt: Prompt, settings: TurnSettings): Json {
  const fn = (name: string, description: string, parameters: Json) => ({
    type: 'function',
    function: { name, description, parameters },
  });
  const tools = (prompt.tools ?? []).flatMap((tool) => {
    if (tool.type === 'function') return [fn(tool.name, tool.description, tool.parameters)];
    // Chat Completions has no namespaces: their functions go flat, `<namespace>__<name>`.
    if (tool.type === 'namespace')
      return tool.tools.map((inner) =>
        fn(chatToolName(tool.name, inner.name), inner.description, inner.parameters),
      );
    if (tool.type === 'custom')
      return [
        {
          type: 'function',
          function: {
            name: tool.name,
            description: tool.description,
            parameters: FREEFORM_PARAMETERS,
          },
        },
      ];
    return []; // hosted tools do not exist on Chat Completions
  });
  return {
    model: settings.model,
    messages: chatMessages(prompt),
    stream: true,
    stream_options: { include_usage: true },
    ...(tools.length > 0
      ? {
          tools,
          tool_choice: prompt.toolChoice ?? 'auto',
          parallel_tool_calls: prompt.parallelToolCalls ?? false,
        }
      : {}),
    ...(settings.reasoningEffort && settings.reasoningEffort !== 'none'
      ? { reasoning_effort: settings.reasoningEffort }
      : {}),
    ...(prompt.outputSchema
      ? {
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'codex_output_schema', strict: true, schema: prompt.outputSchema },
          },
        }
      : {}),
  };
}

interface ToolCallState {
  id: string;
  name: string;
  arguments: string;
  announced: boolean;
}

/**
 * Turns Chat Completions chunks into the same {@link ResponseEvent}s as the Responses API:
 * text and reasoning deltas stream through, `tool_calls` deltas (split across chunks by index)
 * are aggregated into whole function calls, and `[DONE]` completes the turn.
 */
export class ChatEventMapper {
  completed = false;
  private started = false;
  private responseId: string | null = null;
  private text: string | null = null;
  private reasoningText: string | null = null;
  private finishReason: string | null = null;
  private usage: TokenUsage | null = null;
  private readonly calls = new Map<number, ToolCallState>();

  constructor(private readonly customTools: ReadonlySet<string> = new Set()) {}

  get sawFinishReason(): boolean {
    return this.finishReason !== null;
  }

  private get messageId() {
    return `msg_${this.responseId ?? 'chat'}`;
  }

  private get reasoningId() {
    return `rs_${this.responseId ?? 'chat'}`;
  }

  /** Maps one `data:` payload. */
  map(data: string): ResponseEvent[] {
    if (data.trim() === '[DONE]') return this.finish();
    let chunk: Json;
    try {
      chunk = asRecord(JSON.parse(data));
    } catch (cause) {
      throw new ModelError(
        'stream_disconnected',
        `the chat stream sent invalid JSON: ${data.slice(0, 200)}`,
        {
          retryable: true,
          cause,
        },
      );
    }
    if (chunk.error !== undefined) {
      const error = asRecord(chunk.error);
      throw new ModelError(
        'response_failed',
        `the model reported an error: ${asString(error.message) ?? JSON.stringify(chunk.error)}`,
        {
          apiCode: asString(error.code) ?? undefined,
        },
      );
    }
    const events: ResponseEvent[] = [];
    if (!this.started) {
      this.started = true;
      this.responseId = asString(chunk.id);
      events.push({ type: 'created', responseId: this.responseId });
    }
    if (chunk.usage !== undefined && chunk.usage !== null) this.usage = chatUsage(chunk.usage);
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    for (const choiceValue of choices) {
      const choice = asRecord(choiceValue);
      const delta = asRecord(choice.delta);
      const reasoning = asString(delta.reasoning_content) ?? asString(delta.reasoning);
      if (reasoning) {
        if (this.reasoningText === null) {
          this.reasoningText = '';
          events.push({
            type: 'outputItemAdded',
            item: { type: 'reasoning', id: this.reasoningId, summary: [], content: [] },
          });
        }
        this.reasoningText += reasoning;
        events.push({
          type: 'reasoningTextDelta',
          itemId: this.reasoningId,
          contentIndex: 0,
          delta: reasoning,
        });
      }
      const content = asString(delta.content);
      if (content) {
        if (this.text === null) {
          this.text = '';
          events.push({
            type: 'outputItemAdded',
            item: { type: 'message', id: this.messageId, role: 'assistant', content: [] },
          });
        }
        this.text += content;
        events.push({ type: 'outputTextDelta', itemId: this.messageId, delta: content });
      }
      for (const callValue of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
        events.push(...this.toolCallDelta(asRecord(callValue)));
      }
      const finish = asString(choice.finish_reason);
      if (finish) this.finishReason = finish;
    }
    return events;
  }

  private toolCallDelta(call: Json): ResponseEvent[] {
    const index = typeof call.index === 'number' ? call.index : this.calls.size;
    let state = this.calls.get(index);
    if (!state) {
      state = { id: '', name: '', arguments: '', announced: false };
      this.calls.set(index, state);
    }
    const fn = asRecord(call.function);
    if (asString(call.id)) state.id = call.id as string;
    if (asString(fn.name)) state.name += fn.name as string;
    const events: ResponseEvent[] = [];
    if (!state.announced && state.name.length > 0) {
      state.announced = true;
      if (!state.id) state.id = `call_${this.responseId ?? 'chat'}_${index}`;
      events.push({ type: 'outputItemAdded', item: this.callItem(state, '') });
    }
    const args = asString(fn.arguments);
    if (args) {
      state.arguments += args;
      if (state.announced)
        events.push({ type: 'functionCallArgumentsDelta', itemId: state.id, delta: args });
    }
    return events;
  }

  private callItem(state: ToolCallState, args: string): ResponseItem {
    if (this.customTools.has(state.name)) {
      let input = args;
      try {
        const parsed = asRecord(JSON.parse(args));
        if (typeof parsed.input === 'string') input = parsed.input;
      } catch {
        // Not the {"input": ...} wrapper: pass the text through as the input.
      }
      return { type: 'custom_tool_call', id: state.id, call_id: state.id, name: state.name, input };
    }
    return {
      type: 'function_call',
      id: state.id,
      call_id: state.id,
      name: state.name,
      arguments: args,
    };
  }

  /** Closes every open item and completes the turn. Safe to call once. */
  finish(): ResponseEvent[] {
    if (this.completed) return [];
    this.completed = true;
    const events: ResponseEvent[] = [];
    if (!this.started) events.push({ type: 'created', responseId: null });
    if (this.reasoningText !== null)
      events.push({
        type: 'outputItemDone',
        item: {
          type: 'reasoning',
          id: this.reasoningId,
          summary: [],
          content: [{ type: 'reasoning_text', text: this.reasoningText }],
        },
      });
    if (this.text !== null)
      events.push({
        type: 'outputItemDone',
        item: {
          type: 'message',
          id: this.messageId,
          role: 'assistant',
          content: [{ type: 'output_text', text: this.text }],
        },
      });
    for (const [index, state] of [...this.calls.entries()].sort((a, b) => a[0] - b[0])) {
      if (!state.announced) {
        if (!state.id) state.id = `call_${this.responseId ?? 'chat'}_${index}`;
        events.push({ type: 'outputItemAdded', item: this.callItem(state, '') });
      }
      events.push({ type: 'outputItemDone', item: this.callItem(state, state.arguments) });
    }
    events.push({ type: 'completed', responseId: this.responseId, tokenUsage: this.usage });
    return events;
  }
}

/** Chat Completions `usage`, in the Responses API's terms. */
export function chatUsage(value: unknown): TokenUsage {
  return readTokenUsage(value, {
    input: 'prompt_tokens',
    output: 'completion_tokens',
    inputDetails: 'prompt_tokens_details',
    outputDetails: 'completion_tokens_details',
  });
}
