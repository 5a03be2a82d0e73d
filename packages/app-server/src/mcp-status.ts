import type { McpServerStatus } from '@codex/core';
import type { v2 } from '@codex/protocol';

/** Core's server states as the v2 `runtimeStatus`. */
const RUNTIME_STATUSES: Readonly<Record<McpServerStatus['state'], v2.McpServerConnectionStatus>> = {
  starting: 'starting',
  ready: 'connected',
  failed: 'failed',
  disabled: 'disabled',
};

/** The origin (scheme, host, port) of an HTTP server's URL: no credentials, path or query. */
function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** What a server said it is in `initialize`, every field the original sends. */
function serverInfo(info: McpServerStatus['serverInfo']): v2.McpServerInfo | null {
  if (info === null) return null;
  const extra = info as { description?: unknown; icons?: unknown; websiteUrl?: unknown };
  return {
    name: info.name,
    title: info.title ?? null,
    version: info.version,
    description: typeof extra.description === 'string' ? extra.description : null,
    icons: Array.isArray(extra.icons) ? extra.icons : null,
    websiteUrl: typeof extra.websiteUrl === 'string' ? extra.websiteUrl : null,
  };
}

/**
 * One configured MCP server as `mcpServerStatus/list` reports it, keys in the original's order:
 * its tools by raw name (as the server listed them), `toolsError` why it has none (it failed),
 * the HTTP origin of a streamable HTTP server, and `bearerToken` auth when one is configured.
 * Resources are not listed yet.
 */
export function mcpServerStatus(status: McpServerStatus): v2.McpServerStatus {
  const { transport } = status.config;
  const http = transport.type === 'streamable_http' ? transport : null;
  const tools: Record<string, v2.Tool> = {};
  for (const tool of status.tools) tools[tool.name] = tool as v2.Tool;
  return {
    name: status.name,
    runtimeStatus: RUNTIME_STATUSES[status.state],
    pluginId: null,
    httpOrigin: http ? originOf(http.url) : null,
    serverInfo: serverInfo(status.serverInfo),
    serverCapabilities: status.capabilities ?? null,
    toolListMeta: null,
    tools,
    toolsError: status.state === 'failed' ? status.error : null,
    resources: [],
    resourceTemplates: [],
    authStatus: http?.bearerTokenEnvVar ? 'bearerToken' : 'unsupported',
  };
}
