import type { v2 } from '@codex/protocol';
import type { FunctionToolSpec, JsonSchema } from '../../client/types.js';
import { AUDIO_OMITTED } from '../../mcp/output.js';
import type { PendingAnswers } from '../pending.js';
import type { ToolHandler, ToolInvocation, ToolResult } from '../tool-call.js';
import { durationOf } from './shared.js';

/** A host tool's answer: content for the model, and whether the call worked. */
export interface DynamicToolAnswer {
  /** What the model gets: text and images. */
  readonly contentItems: readonly v2.DynamicToolCallOutputContentItem[];
  /** Whether the call succeeded; the model is told. */
  readonly success: boolean;
}

/** What a {@link HostTool} gets besides its arguments. */
export interface HostToolContext {
  /** The tool call's id. */
  readonly callId: string;
  /** The id of the turn that made the call. */
  readonly turnId: string;
  /** Aborted when the turn is interrupted. */
  readonly signal: AbortSignal;
}

/**
 * A tool the embedding program runs itself, in this process: the model calls it like any other
 * function; `run` gets the parsed JSON arguments. A string answer is the text the model gets;
 * a thrown error is reported to the model as a failed call.
 */
export interface HostTool {
  /** `[A-Za-z0-9_-]+`; must not clash with a built-in tool. */
  readonly name: string;
  /** What the tool does, for the model. */
  readonly description: string;
  /** JSON Schema of the arguments. Default: an object with no declared properties. */
  readonly parameters?: JsonSchema;
  /** Whether calls may run beside other calls of the same response. Default false. */
  readonly parallel?: boolean;
  /**
   * Runs one call: `args` are the parsed JSON arguments; resolve with the answer, or throw to fail
   * the call.
   */
  run(
    args: unknown,
    context: HostToolContext,
  ): Promise<string | DynamicToolAnswer> | string | DynamicToolAnswer;
}

/** What host-tool calls answered by the client need from their session. */
export interface DynamicToolServices {
  /** Answers, by call id (the `dynamic_tool_response` op settles them). */
  readonly answers: PendingAnswers<DynamicToolAnswer>;
  /** How long a call waits for its answer. */
  readonly timeoutMs: number;
}

const EMPTY_OBJECT_SCHEMA: JsonSchema = { type: 'object', properties: {} };

const textAnswer = (text: string, success: boolean): DynamicToolAnswer => ({
  contentItems: [{ type: 'inputText', text }],
  success,
});

/**
 * Handlers for the tools a client registered (`thread/start` `dynamicTools`): a call is
 * announced as `dynamic_tool_call_request`, answered by the `dynamic_tool_response` op (or
 * failed by the timeout), and reported as `dynamic_tool_call_response`.
 */
export function dynamicToolHandlers(
  specs: readonly v2.DynamicToolSpec[],
  services: DynamicToolServices,
): ToolHandler[] {
  return specs.flatMap((spec) => {
    const namespace =
      spec.type === 'namespace' ? { name: spec.name, description: spec.description } : undefined;
    const functions = spec.type === 'namespace' ? spec.tools : [spec];
    return functions.map(
      (tool): ToolHandler => ({
        spec: functionSpec(tool.name, tool.description, tool.inputSchema),
        ...(namespace ? { namespace } : {}),
        parallel: true,
        handle: (invocation) =>
          runDynamic(invocation, namespace?.name ?? null, tool.name, (args) => {
            invocation.emit({
              type: 'dynamic_tool_call_request',
              call_id: invocation.call.callId,
              turn_id: invocation.turn.turnId,
              namespace: namespace?.name ?? null,
              tool: tool.name,
              arguments: args,
            });
            const seconds = services.timeoutMs / 1000;
            return services.answers.wait(invocation.call.callId, {
              timeoutMs: services.timeoutMs,
              signal: invocation.signal,
              onTimeout: () =>
                textAnswer(
                  `the client did not answer the call to ${tool.name} within ${seconds} s`,
                  false,
                ),
              onAbort: () => textAnswer('aborted by user', false),
            });
          }),
      }),
    );
  });
}

/**
 * Runs a host tool for one call: a string answer is a successful text answer; a throw is a
 * failed call whose message the model reads (`aborted by user` once `signal` has fired).
 */
export async function runHostTool(
  tool: HostTool,
  args: unknown,
  context: HostToolContext,
): Promise<DynamicToolAnswer> {
  try {
    const answer = await tool.run(args, context);
    return typeof answer === 'string' ? textAnswer(answer, true) : answer;
  } catch (error) {
    if (context.signal.aborted) return textAnswer('aborted by user', false);
    return textAnswer(`${tool.name} failed: ${(error as Error)?.message ?? String(error)}`, false);
  }
}

/** Handlers for tools the embedding program runs in process ({@link HostTool}). */
export function hostToolHandlers(tools: readonly HostTool[]): ToolHandler[] {
  return tools.map((tool) => ({
    spec: functionSpec(tool.name, tool.description, tool.parameters),
    parallel: tool.parallel ?? false,
    handle: (invocation) =>
      runDynamic(invocation, null, tool.name, (args) =>
        runHostTool(tool, args, {
          callId: invocation.call.callId,
          turnId: invocation.turn.turnId,
          signal: invocation.signal,
        }),
      ),
  }));
}

function functionSpec(name: string, description: string, schema: unknown): FunctionToolSpec {
  const parameters =
    schema !== null && typeof schema === 'object' && !Array.isArray(schema)
      ? (schema as JsonSchema)
      : EMPTY_OBJECT_SCHEMA;
  return { type: 'function', name, description, strict: false, parameters };
}

async function runDynamic(
  invocation: ToolInvocation,
  namespace: string | null,
  tool: string,
  answer: (args: unknown) => Promise<DynamicToolAnswer>,
): Promise<ToolResult> {
  const { call, turn, emit } = invocation;
  const started = performance.now();
  const raw = call.kind === 'function' ? call.arguments : call.kind === 'custom' ? call.input : '';
  let args: unknown = {};
  if (raw.trim() !== '') {
    try {
      args = JSON.parse(raw);
    } catch (error) {
      return { output: `failed to parse function arguments: ${(error as Error).message}` };
    }
  }
  const result = await answer(args);
  emit({
    type: 'dynamic_tool_call_response',
    call_id: call.callId,
    turn_id: turn.turnId,
    namespace,
    tool,
    arguments: args,
    content_items: [...result.contentItems],
    success: result.success,
    error: result.success ? null : (firstText(result) ?? 'the tool call failed'),
    duration: durationOf(performance.now() - started),
  });
  return { output: modelOutput(result) };
}

const firstText = (answer: DynamicToolAnswer): string | null => {
  const item = answer.contentItems.find((entry) => entry.type === 'inputText');
  return item?.type === 'inputText' ? item.text : null;
};

/** One text answer is a plain string to the model (as the original sends it); else an array. */
function modelOutput(answer: DynamicToolAnswer): v2.FunctionCallOutputBody {
  const [only] = answer.contentItems;
  if (answer.contentItems.length === 1 && only?.type === 'inputText') return only.text;
  return answer.contentItems.map((item) => {
    switch (item.type) {
      case 'inputText':
        return { type: 'input_text' as const, text: item.text };
      case 'inputImage':
        return { type: 'input_image' as const, image_url: item.imageUrl };
      default:
        return { type: 'input_text' as const, text: AUDIO_OMITTED };
    }
  });
}
