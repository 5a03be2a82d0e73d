import { createHash } from 'node:crypto';

/** Every MCP server's tools are offered in a namespace named this plus the server's name. */
export const MCP_NAMESPACE_PREFIX = 'mcp__';
/** Between a namespace and a tool in a flat name (`mcp__server__tool`, as hooks see it). */
export const MCP_TOOL_NAME_DELIMITER = '__';
/** The longest namespace + delimiter + tool the model accepts (the released original's limit). */
export const MAX_CALLABLE_NAME_LENGTH = 128;
const HASH_LENGTH = 12;
const SUFFIX_LENGTH = HASH_LENGTH + 1;

/** A tool an MCP server offers, by its raw names. */
export interface McpToolRef {
  readonly server: string;
  readonly tool: string;
}

/** How the model sees an MCP tool: a function `name` in the namespace `namespace`. */
export interface CallableMcpTool extends McpToolRef {
  readonly namespace: string;
  readonly name: string;
}

/** A name the Responses API takes: every character outside `[A-Za-z0-9_]` becomes `_`. */
export function sanitizeToolName(name: string): string {
  const sanitized = name.replace(/[^A-Za-z0-9_]/g, '_');
  return sanitized.length > 0 ? sanitized : '_';
}

const hash12 = (input: string): string =>
  createHash('sha1').update(input).digest('hex').slice(0, HASH_LENGTH);

/** What identifies a tool for hashing: server, namespace, connector, name, raw name. */
const toolIdentity = ({ server, tool }: McpToolRef): string =>
  `${server}\0${server}\0\0${tool}\0${tool}`;
const namespaceIdentity = (server: string): string => `${server}\0${server}\0`;

/**
 * The names the model sees for the tools of every server, in the order they are offered
 * (servers by name, each server's tools alphabetically), as the released original builds them:
 * sanitized, a hash of the raw names appended where two collide, and cut to fit
 * {@link MAX_CALLABLE_NAME_LENGTH} with a hash suffix so that every name stays unique and
 * stable. A tool listed twice by one server is offered once. Calls are routed back by the raw
 * `server` and `tool` of the entry.
 */
export function callableMcpTools(
  servers: ReadonlyMap<string, readonly string[]>,
): CallableMcpTool[] {
  const serverNames = [...servers.keys()].sort();
  const namespaces = new Map<string, string>();
  const byNamespace = new Map<string, string[]>();
  for (const server of serverNames) {
    const namespace = MCP_NAMESPACE_PREFIX + sanitizeToolName(server);
    namespaces.set(server, namespace);
    byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), server]);
  }
  // Servers whose sanitized names collide each get a hash of their raw name.
  for (const [namespace, owners] of byNamespace) {
    if (owners.length < 2) continue;
    for (const server of owners)
      namespaces.set(server, `${namespace}_${hash12(namespaceIdentity(server))}`);
  }
  const callable: CallableMcpTool[] = [];
  const used = new Set<string>();
  for (const server of serverNames) {
    const namespace = namespaces.get(server) ?? '';
    const tools = [...new Set(servers.get(server) ?? [])];
    const sanitizedCount = new Map<string, number>();
    for (const tool of tools) {
      const name = sanitizeToolName(tool);
      sanitizedCount.set(name, (sanitizedCount.get(name) ?? 0) + 1);
    }
    const entries = tools.map((tool) => {
      const ref = { server, tool };
      let name = sanitizeToolName(tool);
      if ((sanitizedCount.get(name) ?? 0) > 1) name = `${name}_${hash12(toolIdentity(ref))}`;
      return { ...ref, ...fit(namespace, name, toolIdentity(ref)) };
    });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      let unique = entry;
      for (let attempt = 1; used.has(flatName(unique)); attempt++)
        unique = {
          ...entry,
          ...fit(namespace, `${entry.name}`, `${toolIdentity(entry)}\0${attempt}`, true),
        };
      used.add(flatName(unique));
      callable.push(unique);
    }
  }
  return callable;
}

/** `namespace` + `name` cut to the length limit, a hash of `identity` marking the cut. */
function fit(
  namespace: string,
  name: string,
  identity: string,
  force = false,
): { namespace: string; name: string } {
  const room = MAX_CALLABLE_NAME_LENGTH - namespace.length - MCP_TOOL_NAME_DELIMITER.length;
  if (!force && name.length <= room) return { namespace, name };
  const suffix = `_${hash12(identity)}`;
  if (room >= SUFFIX_LENGTH)
    return { namespace, name: name.slice(0, room - SUFFIX_LENGTH) + suffix };
  const shortened = namespace.slice(
    0,
    MAX_CALLABLE_NAME_LENGTH - SUFFIX_LENGTH - MCP_TOOL_NAME_DELIMITER.length,
  );
  return { namespace: shortened, name: suffix };
}

/** The flat name of a callable tool (`mcp__server__tool`), as hooks and logs name it. */
export function flatName(tool: { readonly namespace: string; readonly name: string }): string {
  return `${tool.namespace}${MCP_TOOL_NAME_DELIMITER}${tool.name}`;
}
