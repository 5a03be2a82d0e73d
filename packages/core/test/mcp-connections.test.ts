import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@codex/common';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMcpServers } from '../src/mcp/config.js';
import { McpCallError, McpConnections, type McpServerStatus } from '../src/mcp/connections.js';

const SERVER = fileURLToPath(new URL('./fixtures/mcp-test-server.mjs', import.meta.url));
const opened: McpConnections[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((connections) => connections.close()));
});

function start(
  servers: Record<string, unknown>,
  env: Record<string, string> = {},
  maxMessageChars?: number,
) {
  const statuses: McpServerStatus[] = [];
  const connections = McpConnections.start(parseMcpServers(servers), {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    logger: silentLogger,
    ...(maxMessageChars ? { maxMessageChars } : {}),
    onStatus: (status) => statuses.push(status),
  });
  opened.push(connections);
  return { connections, statuses };
}

const stdio = (extra: Record<string, unknown> = {}) => ({
  command: process.execPath,
  args: [SERVER],
  ...extra,
});

function processesMatching(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function untilGone(marker: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (processesMatching(marker).length > 0) {
    if (Date.now() > deadline) throw new Error(`${marker} still running`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('mcp_servers config', () => {
  it("is checked with the original's messages; values are not quoted", () => {
    const bad = (table: Record<string, unknown>) => () => parseMcpServers({ x: table });
    expect(bad({ command: 'a', url: 'http://x' })).toThrow(
      'url is not supported for stdio in `mcp_servers.x`',
    );
    expect(bad({ url: 'http://x', args: [] })).toThrow(
      'args is not supported for streamable_http in `mcp_servers.x`',
    );
    expect(bad({})).toThrow('invalid transport in `mcp_servers.x`');
    expect(bad({ command: 'a', startup_timeout_sec: -1 })).toThrow(
      'cannot convert float seconds to Duration: value is negative in `mcp_servers.x.startup_timeout_sec`',
    );
    expect(bad({ command: 'a', tool_timeout_sec: 'secret-10' })).toThrow(
      'invalid type: a string, expected f64 in `mcp_servers.x.tool_timeout_sec`',
    );
    const [server] = parseMcpServers({
      x: { command: 'a', startup_timeout_ms: 2500, enabled_tools: ['e'], foo: 1 },
    });
    expect(server).toMatchObject({
      enabled: true,
      required: false,
      startupTimeoutMs: 2500,
      toolTimeoutMs: 60_000,
      enabledTools: ['e'],
      disabledTools: [],
    });
  });
});

describe('McpConnections', () => {
  it('starts servers at once; one that fails or hangs leaves the others working', async () => {
    const { connections, statuses } = start({
      good: stdio({ disabled_tools: ['crash'] }),
      missing: { command: '/nonexistent/mcp-server' },
      hang: stdio({ args: [SERVER, 'hang'], startup_timeout_sec: 0.5 }),
      off: stdio({ enabled: false }),
    });
    await connections.ready();
    const byName = Object.fromEntries(connections.statuses().map((s) => [s.name, s]));
    expect(byName.good?.state).toBe('ready');
    expect(byName.good?.tools.map((tool) => tool.name)).toStrictEqual([
      'echo',
      'slow',
      'spawn',
      'env',
      'pid',
      'flood',
    ]);
    expect(byName.missing).toMatchObject({ state: 'failed' });
    expect(byName.missing?.error).toMatch(
      /^MCP client for `missing` failed to start: MCP startup failed: No such file or directory \(os error 2\)$/,
    );
    expect(byName.hang?.error).toBe(
      'MCP client for `hang` timed out after 0.5 seconds. Add or adjust `startup_timeout_sec` in your config.toml:\n[mcp_servers.hang]\nstartup_timeout_sec = XX',
    );
    expect(byName.off?.state).toBe('disabled');
    expect(statuses.filter((s) => s.name === 'good').map((s) => s.state)).toStrictEqual([
      'starting',
      'ready',
    ]);
    await expect(connections.call('good', 'echo', { text: 'hi' })).resolves.toMatchObject({
      content: [{ type: 'text', text: 'echo: hi' }],
    });
    await expect(connections.call('missing', 'echo', {})).rejects.toThrow(
      byName.missing?.error ?? '',
    );
  });

  it('a slow call times out; a crashed server fails its calls and the rest go on', async () => {
    const { connections } = start({
      a: stdio({ tool_timeout_sec: 0.3 }),
      b: stdio(),
    });
    await connections.ready();
    await expect(connections.call('a', 'slow', {})).rejects.toMatchObject({
      code: 'timeout',
      message: 'timed out awaiting tools/call after 0.3s',
    });
    await expect(connections.call('a', 'crash', {})).rejects.toThrow(McpCallError);
    await expect(connections.call('a', 'echo', { text: 'x' })).rejects.toThrow('Transport closed');
    expect(connections.statuses().find((s) => s.name === 'a')?.state).toBe('failed');
    await expect(connections.call('b', 'echo', { text: 'still' })).resolves.toMatchObject({
      content: [{ type: 'text', text: 'echo: still' }],
    });
  });

  it('gives a stdio server only the basic environment plus env_vars and env', async () => {
    const { connections } = start(
      { s: stdio({ env: { MY_VAR: 'set' }, env_vars: ['MY_SECRET'] }) },
      { MY_SECRET: 'copied', NOT_PASSED: 'no' },
    );
    await connections.ready();
    const result = await connections.call('s', 'env', {});
    const env = (result.structuredContent as { env: Record<string, string> }).env;
    expect(env.MY_VAR).toBe('set');
    expect(env.MY_SECRET).toBe('copied');
    expect(env.NOT_PASSED).toBeUndefined();
    expect(env.PATH).toBe(process.env.PATH);
  });

  it('close ends each server and everything it started', async () => {
    const marker = `mcp-child-${process.pid}-${Date.now()}`;
    const { connections } = start({ s: stdio() });
    await connections.ready();
    await connections.call('s', 'spawn', { marker });
    expect(processesMatching(marker).length).toBeGreaterThan(0);
    await connections.close();
    await untilGone(marker);
  });

  it('a paused server (SIGSTOP) times its calls out, and close still ends it', async () => {
    const { connections } = start({ s: stdio({ tool_timeout_sec: 0.5 }) });
    await connections.ready();
    const answer = await connections.call('s', 'pid', {});
    const pid = Number((answer.content[0] as { text: string }).text);
    process.kill(pid, 'SIGSTOP');
    try {
      await expect(connections.call('s', 'echo', { text: 'x' })).rejects.toMatchObject({
        code: 'timeout',
        message: 'timed out awaiting tools/call after 0.5s',
      });
      await connections.close();
      expect(isRunning(pid)).toBe(false);
    } finally {
      if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('a message past the size limit ends that server (memory stays bounded); others go on', async () => {
    const { connections } = start({ big: stdio(), other: stdio() }, {}, 1024 * 1024);
    await connections.ready();
    const heapBefore = process.memoryUsage().heapUsed;
    await expect(connections.call('big', 'flood', { chars: 8 * 1024 * 1024 })).rejects.toThrow(
      'Transport closed',
    );
    // Far less than the 8 Mi characters (16 MiB as a string) the server wrote.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * 1024 * 1024);
    expect(connections.statuses().find((s) => s.name === 'big')?.state).toBe('failed');
    await expect(connections.call('other', 'echo', { text: 'fine' })).resolves.toMatchObject({
      content: [{ type: 'text', text: 'echo: fine' }],
    });
  });
});

/** Whether `pid` runs (a zombie does not count). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
