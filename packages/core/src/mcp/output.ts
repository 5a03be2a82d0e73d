import type { v2 } from '@codex/protocol';

type OutputItem = Extract<v2.FunctionCallOutputBody, readonly unknown[]>[number];

/** What an MCP `tools/call` returned (the fields this conversion reads). */
export interface McpCallResult {
  readonly content?: readonly unknown[];
  readonly structuredContent?: unknown;
  readonly isError?: boolean;
}

/** Put in place of audio, which the model cannot take (the original's words). */
export const AUDIO_OMITTED = '<audio content omitted because you do not support audio input>';

const header = (seconds: number): string => `Wall time: ${seconds.toFixed(4)} seconds\nOutput:`;

/**
 * What the model is told an MCP tool returned, as the released original tells it: the wall
 * time, then the structured content as JSON text when there is some (it replaces `content`), or
 * else each content block: text as text, images as `input_image` data URLs, audio replaced by a
 * note, resources and anything else as their JSON. `isError` results read like any other.
 */
export function mcpCallOutput(result: McpCallResult, seconds: number): v2.FunctionCallOutputBody {
  if (result.structuredContent !== undefined && result.structuredContent !== null)
    return `${header(seconds)}\n${JSON.stringify(result.structuredContent)}`;
  return [
    { type: 'input_text', text: header(seconds) },
    ...(result.content ?? []).map(contentItem),
  ];
}

/** What the model is told when a call failed before a result (server error, timeout, gone). */
export function mcpCallFailure(
  server: string,
  tool: string,
  cause: string,
  seconds: number,
): v2.FunctionCallOutputBody {
  return [
    { type: 'input_text', text: header(seconds) },
    {
      type: 'input_text',
      text: `tool call error: tool call failed for \`${server}/${tool}\`\n\nCaused by:\n    ${cause}`,
    },
  ];
}

function contentItem(block: unknown): OutputItem {
  const item = (typeof block === 'object' && block !== null ? block : {}) as Record<
    string,
    unknown
  >;
  if (item.type === 'text' && typeof item.text === 'string')
    return { type: 'input_text', text: item.text };
  if (item.type === 'image' && typeof item.data === 'string' && typeof item.mimeType === 'string')
    return {
      type: 'input_image',
      image_url: `data:${item.mimeType};base64,${item.data}`,
      detail: 'high',
    };
  if (item.type === 'audio') return { type: 'input_text', text: AUDIO_OMITTED };
  return { type: 'input_text', text: JSON.stringify(block) };
}

/** What the model is told when its arguments are not a JSON object (the parser's words). */
export function mcpArgumentsFailure(message: string, seconds: number): v2.FunctionCallOutputBody {
  return [
    { type: 'input_text', text: header(seconds) },
    { type: 'input_text', text: `err: ${message}` },
  ];
}

/** A call the user (or the approval policy) did not allow. */
export const mcpRejected = {
  message: 'user rejected MCP tool call',
  output: (seconds: number): v2.FunctionCallOutputBody => [
    { type: 'input_text', text: header(seconds) },
    { type: 'input_text', text: 'user rejected MCP tool call' },
  ],
};
