/** One server-sent event of the Responses API stream. */
export interface SseEvent {
  /** The `event:` line; the API repeats it as `type` inside the data. */
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** Token usage reported in `response.completed`. */
export interface Usage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cached_input_tokens?: number;
  readonly reasoning_output_tokens?: number;
}

/** Frames one event exactly as the API does: `event:` and `data:` lines, then a blank line. */
export function frameEvent(event: SseEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify({ type: event.type, ...event.data })}\n\n`;
}

/** Splits `text` into `count` consecutive non-empty slices (fewer if the text is shorter). */
export function splitIntoDeltas(text: string, count: number): string[] {
  const characters = Array.from(text);
  const parts = Math.max(1, Math.min(count, characters.length));
  const slices: string[] = [];
  for (let i = 0; i < parts; i++) {
    const start = Math.floor((i * characters.length) / parts);
    const end = Math.floor(((i + 1) * characters.length) / parts);
    slices.push(characters.slice(start, end).join(''));
  }
  return slices;
}

/** The events of one output item, produced by the item builders below. */
export interface OutputItem {
  /** The item as `response.output_item.done` reports it. */
  readonly item: Record<string, unknown>;
  /** Events between `output_item.added` and `output_item.done`. */
  readonly body: (outputIndex: number) => SseEvent[];
}

/** An assistant message streamed in `deltas` `response.output_text.delta` events. */
export function assistantMessage(
  text: string,
  options: { deltas?: number; id?: string } = {},
): OutputItem {
  const id = options.id ?? 'msg_mock';
  const slices = splitIntoDeltas(text, options.deltas ?? 1);
  const part = { type: 'output_text', text, annotations: [] };
  return {
    item: { type: 'message', id, status: 'completed', role: 'assistant', content: [part] },
    body: (outputIndex) => [
      {
        type: 'response.content_part.added',
        data: {
          item_id: id,
          output_index: outputIndex,
          content_index: 0,
          part: { ...part, text: '' },
        },
      },
      ...slices.map((delta) => ({
        type: 'response.output_text.delta',
        data: { item_id: id, output_index: outputIndex, content_index: 0, delta },
      })),
      {
        type: 'response.output_text.done',
        data: { item_id: id, output_index: outputIndex, content_index: 0, text },
      },
      {
        type: 'response.content_part.done',
        data: { item_id: id, output_index: outputIndex, content_index: 0, part },
      },
    ],
  };
}

/** A reasoning item whose summary streams in `deltas` events. */
export function reasoning(
  summary: string,
  options: { deltas?: number; id?: string } = {},
): OutputItem {
  const id = options.id ?? 'rs_mock';
  const slices = splitIntoDeltas(summary, options.deltas ?? 1);
  return {
    item: {
      type: 'reasoning',
      id,
      summary: [{ type: 'summary_text', text: summary }],
      encrypted_content: null,
    },
    body: (outputIndex) => [
      ...slices.map((delta) => ({
        type: 'response.reasoning_summary_text.delta',
        data: { item_id: id, output_index: outputIndex, summary_index: 0, delta },
      })),
      {
        type: 'response.reasoning_summary_text.done',
        data: { item_id: id, output_index: outputIndex, summary_index: 0, text: summary },
      },
    ],
  };
}

/**
 * A function call (for example `shell` or `apply_patch`) with JSON arguments; `namespace` for
 * a function offered inside one (an MCP server's tools: `mcp__<server>`).
 */
export function functionCall(
  name: string,
  args: unknown,
  options: { callId?: string; id?: string; namespace?: string } = {},
): OutputItem {
  const id = options.id ?? 'fc_mock';
  const callId = options.callId ?? 'call_mock';
  const argumentsText = typeof args === 'string' ? args : JSON.stringify(args);
  return {
    item: {
      type: 'function_call',
      id,
      status: 'completed',
      name,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      call_id: callId,
      arguments: argumentsText,
    },
    body: (outputIndex) => [
      {
        type: 'response.function_call_arguments.delta',
        data: { item_id: id, output_index: outputIndex, delta: argumentsText },
      },
      {
        type: 'response.function_call_arguments.done',
        data: { item_id: id, output_index: outputIndex, arguments: argumentsText },
      },
    ],
  };
}

/** A freeform (custom) tool call, such as `apply_patch` given the patch as plain text. */
export function customToolCall(
  name: string,
  input: string,
  options: { callId?: string; id?: string } = {},
): OutputItem {
  const id = options.id ?? 'ctc_mock';
  const callId = options.callId ?? 'call_mock';
  return {
    item: { type: 'custom_tool_call', id, status: 'completed', name, call_id: callId, input },
    body: (outputIndex) => [
      {
        type: 'response.custom_tool_call_input.delta',
        data: { item_id: id, output_index: outputIndex, delta: input },
      },
      {
        type: 'response.custom_tool_call_input.done',
        data: { item_id: id, output_index: outputIndex, input },
      },
    ],
  };
}

/** The whole event sequence of one streamed response holding `items`. */
export function responseEvents(
  items: readonly OutputItem[],
  options: { responseId?: string; usage?: Usage } = {},
): SseEvent[] {
  const responseId = options.responseId ?? 'resp_mock';
  const usage = options.usage ?? { input_tokens: 100, output_tokens: 10 };
  const events: SseEvent[] = [
    { type: 'response.created', data: { response: { id: responseId, status: 'in_progress' } } },
  ];
  items.forEach((entry, outputIndex) => {
    const { item } = entry;
    const added =
      item.type === 'message'
        ? { ...item, status: 'in_progress', content: [] }
        : item.type === 'function_call'
          ? { ...item, status: 'in_progress', arguments: '' }
          : { ...item, summary: [] };
    events.push({
      type: 'response.output_item.added',
      data: { output_index: outputIndex, item: added },
    });
    for (const event of entry.body(outputIndex)) events.push(event);
    events.push({ type: 'response.output_item.done', data: { output_index: outputIndex, item } });
  });
  const input = usage.input_tokens;
  const output = usage.output_tokens;
  events.push({
    type: 'response.completed',
    data: {
      response: {
        id: responseId,
        status: 'completed',
        usage: {
          input_tokens: input,
          input_tokens_details: { cached_tokens: usage.cached_input_tokens ?? 0 },
          output_tokens: output,
          output_tokens_details: { reasoning_tokens: usage.reasoning_output_tokens ?? 0 },
          total_tokens: input + output,
        },
      },
    },
  });
  return events;
}
