import type { core, v2 } from '@codex/protocol';
import type { ResponseItem, ToolSpec } from '../client/types.js';
import type { Approvals } from './approvals.js';
import type { TurnContext } from './turn-context.js';
import type { TurnDiffTracker } from './turn-diff.js';

/** A tool call the model made, whatever its wire form. */
export type ToolCall =
  | {
      readonly kind: 'function';
      readonly name: string;
      /** The namespace the function belongs to (an MCP server's tools), when it has one. */
      readonly namespace?: string;
      readonly callId: string;
      readonly arguments: string;
    }
  | {
      readonly kind: 'custom';
      readonly name: string;
      readonly callId: string;
      readonly input: string;
    }
  | {
      readonly kind: 'local_shell';
      readonly name: 'local_shell';
      readonly callId: string;
      readonly argv: readonly string[];
      readonly workdir: string | null;
      readonly timeoutMs: number | null;
    };

/** The tool call an output item carries, or null for other items. */
export function toolCallOf(item: ResponseItem): ToolCall | null {
  switch (item.type) {
    case 'function_call':
      return {
        kind: 'function',
        name: item.name,
        ...(item.namespace ? { namespace: item.namespace } : {}),
        callId: item.call_id,
        arguments: item.arguments,
      };
    case 'custom_tool_call':
      return { kind: 'custom', name: item.name, callId: item.call_id, input: item.input };
    case 'local_shell_call': {
      const callId = item.call_id ?? item.id;
      if (!callId) return null;
      return {
        kind: 'local_shell',
        name: 'local_shell',
        callId,
        argv: item.action.command,
        workdir: item.action.working_directory ?? null,
        timeoutMs: item.action.timeout_ms ?? null,
      };
    }
    default:
      return null;
  }
}

/** The item that answers `call` with `output`. */
export function outputItemFor(call: ToolCall, output: v2.FunctionCallOutputBody): ResponseItem {
  return call.kind === 'custom'
    ? { type: 'custom_tool_call_output', call_id: call.callId, output }
    : { type: 'function_call_output', call_id: call.callId, output };
}

/** What a tool handler gets: the turn it runs in and the session's services. */
export interface ToolInvocation {
  readonly call: ToolCall;
  readonly turn: TurnContext;
  /** Aborted when the turn is interrupted. */
  readonly signal: AbortSignal;
  readonly approvals: Approvals;
  readonly diff: TurnDiffTracker;
  /** Emits an event of this turn. */
  readonly emit: (msg: core.EventMsg) => void;
  /** Ends the turn after this call (an `abort` decision). */
  readonly abortTurn: () => void;
}

/** What a tool returns to the model. */
export interface ToolResult {
  readonly output: v2.FunctionCallOutputBody;
  /** Items to add to the conversation after the output (e.g. an image the model asked to see). */
  readonly followUp?: readonly ResponseItem[];
}

/** The name a handler is found under: `<namespace>__<name>` for namespaced functions. */
export const toolKey = (name: string, namespace?: string | null): string =>
  namespace ? `${namespace}__${name}` : name;

/** The key of the handler for `call` (`local_shell` calls go to `shell`). */
export const callKey = (call: ToolCall): string =>
  call.kind === 'local_shell'
    ? 'shell'
    : toolKey(call.name, call.kind === 'function' ? call.namespace : null);

/** One tool: how it is offered, and how a call is run. */
export interface ToolHandler {
  readonly spec: ToolSpec;
  /** Offered inside this namespace (then `spec` is a function). */
  readonly namespace?: { readonly name: string; readonly description: string };
  /** Whether calls may run beside other parallel-safe calls. */
  readonly parallel: boolean;
  handle(invocation: ToolInvocation): Promise<ToolResult>;
}
