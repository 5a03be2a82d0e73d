import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolHandler, ToolInvocation, ToolResult } from '../session/tool-call.js';
import { durationOf } from '../session/tools/shared.js';
import type { McpConnections, McpElicitationAnswer, McpServerStatus } from './connections.js';
import { McpCallError } from './connections.js';
import { type CallableMcpTool, callableMcpTools } from './names.js';
import { mcpArgumentsFailure, mcpCallFailure, mcpCallOutput, mcpRejected } from './output.js';
import { toolParameters } from './schema.js';

/** What MCP tool calls need from their session. */
export interface McpToolServices {
  readonly mcp: McpConnections;
  /**
   * Asks the user on behalf of `server` (emits `elicitation_request`, waits for the answer,
   * declines on timeout or interrupt).
   */
  readonly elicit: (
    invocation: ToolInvocation,
    request: {
      readonly server: string;
      readonly id: string;
      readonly message: string;
      readonly requestedSchema: Readonly<Record<string, unknown>>;
      readonly meta: Readonly<Record<string, unknown>> | null;
    },
  ) => Promise<McpElicitationAnswer>;
  /** `<server>\0<tool>` of the tools the user allowed for the rest of the session. */
  readonly approvedForSession: Set<string>;
}

/** Who says what an MCP tool call needs before it runs. */
type ApprovalMode = 'auto' | 'prompt' | 'approve';

/**
 * The tools of every ready server, as the model is offered them: one namespace per server
 * (`mcp__<server>`, described by the server's instructions), each tool a function named as the
 * original names it. Calls go to the raw server and tool names.
 */
export function mcpToolHandlers(services: McpToolServices): ToolHandler[] {
  const ready = services.mcp.statuses().filter((status) => status.state === 'ready');
  const byName = new Map(ready.map((status) => [status.name, status]));
  const callable = callableMcpTools(
    new Map(ready.map((status) => [status.name, status.tools.map((tool) => tool.name)])),
  );
  return callable.flatMap((entry) => {
    const status = byName.get(entry.server);
    const tool = status?.tools.find((candidate) => candidate.name === entry.tool);
    if (!status || !tool) return [];
    return [mcpToolHandler(entry, status, tool, services)];
  });
}

function mcpToolHandler(
  entry: CallableMcpTool,
  status: McpServerStatus,
  tool: Tool,
  services: McpToolServices,
): ToolHandler {
  return {
    spec: {
      type: 'function',
      name: entry.name,
      description: tool.description ?? '',
      strict: false,
      parameters: toolParameters(tool.inputSchema),
    },
    namespace: { name: entry.namespace, description: status.instructions ?? '' },
    // Servers handle one call at a time unless they say otherwise (not configurable yet).
    parallel: false,
    handle: (invocation) => callMcpTool(invocation, status, tool, services),
  };
}

async function callMcpTool(
  invocation: ToolInvocation,
  status: McpServerStatus,
  tool: Tool,
  services: McpToolServices,
): Promise<ToolResult> {
  const { call, emit, turn } = invocation;
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const server = status.name;
  const raw = call.kind === 'function' ? call.arguments : '';
  let args: Record<string, unknown> | undefined;
  if (raw.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed)))
        return { output: mcpArgumentsFailure('the arguments must be a JSON object', seconds()) };
      args = (parsed ?? undefined) as Record<string, unknown> | undefined;
    } catch (error) {
      return { output: mcpArgumentsFailure((error as Error).message, seconds()) };
    }
  }
  const readOnly = tool.annotations?.readOnlyHint;
  const invocationInfo = { server, tool: tool.name, arguments: args ?? null };
  emit({
    type: 'mcp_tool_call_begin',
    call_id: call.callId,
    invocation: invocationInfo,
    turn_id: turn.turnId,
    read_only_hint: readOnly ?? null,
  });
  const finish = (result: { Ok: McpCallResultWire } | { Err: string }) =>
    emit({
      type: 'mcp_tool_call_end',
      call_id: call.callId,
      invocation: invocationInfo,
      duration: durationOf(performance.now() - started),
      result,
      turn_id: turn.turnId,
      read_only_hint: readOnly ?? null,
    });
  if (!(await approved(invocation, status, tool, args, services))) {
    finish({ Err: mcpRejected.message });
    return { output: mcpRejected.output(seconds()) };
  }
  try {
    const result = await services.mcp.call(server, tool.name, args, invocation.signal);
    finish({ Ok: result as McpCallResultWire });
    return { output: mcpCallOutput(result, seconds()) };
  } catch (error) {
    if (invocation.signal.aborted) {
      finish({ Err: 'aborted by user' });
      throw error;
    }
    const cause = McpCallError.isInstance(error) ? error.message : String(error);
    const output = mcpCallFailure(server, tool.name, cause, seconds());
    const text = Array.isArray(output) ? output[1] : undefined;
    finish({ Err: text && 'text' in text ? text.text : cause });
    return { output };
  }
}

type McpCallResultWire = { content: unknown[] } & Record<string, unknown>;

/**
 * Whether the call may run: read-only tools and tools configured `approve` run; under
 * `approval_policy = "never"` the rest run only with full disk access (there is nobody to
 * ask); otherwise the user is asked, and may allow the tool for the rest of the session.
 */
async function approved(
  invocation: ToolInvocation,
  status: McpServerStatus,
  tool: Tool,
  args: Record<string, unknown> | undefined,
  services: McpToolServices,
): Promise<boolean> {
  const { turn } = invocation;
  const key = `${status.name}\0${tool.name}`;
  const mode = approvalMode(status, tool.name);
  if (mode === 'approve' || services.approvedForSession.has(key)) return true;
  if (tool.annotations?.readOnlyHint === true && mode !== 'prompt') return true;
  if (turn.approvalPolicy === 'never') return turn.sandboxPolicy.mode === 'danger-full-access';
  const params = args ?? {};
  const answer = await services.elicit(invocation, {
    server: status.name,
    id: `mcp_tool_call_approval_${invocation.call.callId}`,
    message: `Allow the ${status.name} MCP server to run tool "${tool.name}"?`,
    requestedSchema: { type: 'object', properties: {} },
    meta: {
      codex_approval_kind: 'mcp_tool_call',
      persist: ['session', 'always'],
      tool_name: tool.name,
      ...(tool.title ? { tool_title: tool.title } : {}),
      ...(tool.annotations ? { tool_annotations: tool.annotations } : {}),
      ...(tool.description ? { tool_description: tool.description } : {}),
      tool_params: params,
      tool_params_display: Object.entries(params).map(([name, value]) => ({
        name,
        value,
        display_name: name,
      })),
    },
  });
  if (answer.action !== 'accept') return false;
  const persist = (answer._meta as Record<string, unknown> | undefined)?.persist;
  if (persist === 'session' || persist === 'always') services.approvedForSession.add(key);
  return true;
}

/** `tools.<tool>.approval_mode`, else `default_tools_approval_mode`, of the server's table. */
function approvalMode(status: McpServerStatus, tool: string): ApprovalMode {
  return status.config.toolApprovalModes[tool] ?? status.config.defaultToolsApprovalMode;
}
