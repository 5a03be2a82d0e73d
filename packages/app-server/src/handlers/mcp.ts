import { listMcpServers, McpCallError, type McpServerStatus } from '@codex/core';
import { internalError } from '@codex/protocol';
import { refuse } from '../errors.js';
import { mcpServerStatus } from '../mcp-status.js';
import { loadedThread } from './threads.js';
import type { HandlerTable } from './types.js';

/** Servers per `mcpServerStatus/list` page at most (and when the client names no limit). */
const MAX_PAGE = 100;

const byName = (left: McpServerStatus, right: McpServerStatus): number =>
  left.name < right.name ? -1 : left.name > right.name ? 1 : 0;

/** `mcpServerStatus/list` and `mcpServer/tool/call`: the configured MCP servers. */
export const mcpHandlers: HandlerTable = {
  /**
   * With a loaded thread, its servers as they are (the original starts a throwaway set for
   * every call, and waits for each to start or time out); without one, a throwaway set for the
   * server's config, closed once listed.
   */
  'mcpServerStatus/list': async (params, { server }) => {
    const statuses = params.threadId
      ? loadedThread(server, params.threadId).thread.session.mcpServers()
      : await listMcpServers(server.config, { env: server.options.env, logger: server.logger });
    const servers = statuses
      .filter((status) => !params.serverName || status.name === params.serverName)
      .sort(byName);
    const start = params.cursor ? Number(params.cursor) : 0;
    if (!Number.isInteger(start) || start < 0) throw refuse(`invalid cursor: ${params.cursor}`);
    const limit = Math.min(params.limit || MAX_PAGE, MAX_PAGE);
    const page = servers.slice(start, start + limit);
    const next = start + page.length;
    return {
      data: page.map(mcpServerStatus),
      nextCursor: next < servers.length ? String(next) : null,
    };
  },

  /** Calls a tool of one of a loaded thread's servers directly: no model, no approval. */
  'mcpServer/tool/call': async (params, { server, signal }) => {
    const live = loadedThread(server, params.threadId);
    const args = params.arguments ?? undefined;
    if (args !== undefined && args !== null && !isObject(args)) {
      throw refuse('Invalid request: `arguments` must be a JSON object');
    }
    try {
      const result = await live.thread.session.callMcpTool(
        params.server,
        params.tool,
        args ?? undefined,
        { signal, ...(isObject(params._meta) ? { meta: params._meta } : {}) },
      );
      return {
        content: result.content,
        ...(result.structuredContent === undefined
          ? {}
          : { structuredContent: result.structuredContent }),
        ...(result.isError === undefined ? {} : { isError: result.isError }),
        ...(result._meta === undefined ? {} : { _meta: result._meta }),
      };
    } catch (error) {
      if (McpCallError.isInstance(error)) throw internalError(error.message);
      throw error;
    }
  },
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
