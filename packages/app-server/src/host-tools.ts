import { invalidParams, type v2 } from '@codex/protocol';
import { refuse } from './errors.js';

/**
 * Host tools: the tools a client registers in `thread/start` (`dynamicTools`) and runs itself
 * when the model calls them (`item/tool/call`). This module checks the registration and words
 * the answers the server gives the model when the client cannot.
 */

/** What the Responses API accepts as a tool or namespace name. */
const IDENTIFIER_PATTERN = /^[a-zA-Z0-9_-]+$/;
const MAX_NAME_LENGTH = 128;
const MAX_NAMESPACE_LENGTH = 64;

/** Namespaces the Responses API keeps for itself (the original's list). */
const RESERVED_NAMESPACES: ReadonlySet<string> = new Set([
  'api_tool',
  'browser',
  'computer',
  'container',
  'file_search',
  'functions',
  'image_gen',
  'multi_tool_use',
  'python',
  'python_user_visible',
  'submodel_delegator',
  'terminal',
  'tool_search',
  'web',
]);

/**
 * Names of the tools a thread offers the model on its own. A host tool of the same name (outside
 * a namespace) would shadow one of them or be shadowed by it, so it is refused.
 */
const BUILT_IN_TOOL_NAMES: ReadonlySet<string> = new Set([
  'shell',
  'local_shell',
  'exec_command',
  'write_stdin',
  'apply_patch',
  'update_plan',
  'view_image',
  'web_search',
  'request_user_input',
  'list_mcp_resources',
  'list_mcp_resource_templates',
  'read_mcp_resource',
]);

/** One registered function, with the namespace it sits in (null at the top level). */
interface HostFunction {
  readonly namespace: string | null;
  readonly name: string;
  readonly deferLoading: boolean;
}

function functionsOf(specs: readonly v2.DynamicToolSpec[]): HostFunction[] {
  return specs.flatMap((spec): HostFunction[] => {
    if (spec.type === 'function') {
      return [{ namespace: null, name: spec.name, deferLoading: spec.deferLoading ?? false }];
    }
    if (spec.tools.length === 0) {
      throw refuse(`dynamic tool namespace '${spec.name}' must contain at least one tool`);
    }
    return spec.tools.map((tool) => ({
      namespace: spec.name,
      name: tool.name,
      deferLoading: tool.deferLoading ?? false,
    }));
  });
}

/** Control characters and quotes escaped, as the original quotes a bad name back. */
function escaped(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function checkIdentifier(value: string, label: string, maxLength: number): void {
  if (!IDENTIFIER_PATTERN.test(value)) {
    throw refuse(
      `${label} must match ${IDENTIFIER_PATTERN.source} to match Responses API: ${escaped(value)}`,
    );
  }
  if ([...value].length > maxLength) {
    throw refuse(
      `${label} must be at most ${maxLength} characters to match Responses API: ${escaped(value)}`,
    );
  }
}

const reservedForMcp = (name: string): boolean => name === 'mcp' || name.startsWith('mcp__');

/**
 * Checks `thread/start`'s `dynamicTools` as the released original does (its messages, -32600):
 * names that the Responses API accepts, not reserved for MCP, no duplicates within a namespace,
 * deferred tools only inside a namespace. Beyond it, a top-level tool may not take the name of a
 * built-in tool (-32602 naming it).
 */
export function checkDynamicTools(specs: readonly v2.DynamicToolSpec[]): void {
  const seen = new Set<string>();
  for (const tool of functionsOf(specs)) {
    const name = tool.name.trim();
    if (name === '') throw refuse('dynamic tool name must not be empty');
    if (name !== tool.name) {
      throw refuse(`dynamic tool name has leading/trailing whitespace: ${escaped(tool.name)}`);
    }
    checkIdentifier(name, 'dynamic tool name', MAX_NAME_LENGTH);
    if (reservedForMcp(name)) throw refuse(`dynamic tool name is reserved: ${name}`);
    const namespace = tool.namespace?.trim() ?? null;
    if (namespace !== null) {
      if (namespace === '') throw refuse(`dynamic tool namespace must not be empty for ${name}`);
      if (namespace !== tool.namespace) {
        throw refuse(
          `dynamic tool namespace has leading/trailing whitespace for ${name}: ${escaped(namespace)}`,
        );
      }
      checkIdentifier(namespace, 'dynamic tool namespace', MAX_NAMESPACE_LENGTH);
      if (reservedForMcp(namespace)) {
        throw refuse(`dynamic tool namespace is reserved for ${name}: ${namespace}`);
      }
      if (RESERVED_NAMESPACES.has(namespace)) {
        throw refuse(
          `dynamic tool namespace collides with a reserved Responses API namespace for ${name}: ${namespace}`,
        );
      }
    } else if (BUILT_IN_TOOL_NAMES.has(name)) {
      throw invalidParams(`dynamic tool name conflicts with a built-in tool: ${name}`);
    }
    const key = `${namespace ?? ''}\u0000${name}`;
    if (seen.has(key)) {
      throw refuse(
        namespace === null
          ? `duplicate dynamic tool name: ${name}`
          : `duplicate dynamic tool name in namespace ${namespace}: ${name}`,
      );
    }
    seen.add(key);
    if (tool.deferLoading && namespace === null) {
      throw refuse(`deferred dynamic tool must include a namespace: ${name}`);
    }
  }
}

/** The display name of a host tool: `namespace.tool`, or the tool alone. */
export const hostToolName = (namespace: string | null | undefined, tool: string): string =>
  namespace ? `${namespace}.${tool}` : tool;

/** A failed host tool call, with `text` telling the model why. */
export function hostToolFailure(text: string): v2.DynamicToolCallResponse {
  return { contentItems: [{ type: 'inputText', text }], success: false };
}
