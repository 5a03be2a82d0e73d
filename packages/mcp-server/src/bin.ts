import { defaultLogger } from '@codex/common';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { parseCli, USAGE } from './cli.js';
import { CodexMcpServer } from './server.js';

const NAME = 'codex-mcp-server';
const SHUTDOWN_DEADLINE_MS = 20_000;

async function main(): Promise<number> {
  let options: ReturnType<typeof parseCli>;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${NAME}: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const server = await CodexMcpServer.create({
    cliOverrides: options.cliOverrides,
    profile: options.profile,
    strictConfig: options.strictConfig,
    approvalTimeoutMs: options.approvalTimeoutMs,
    logger: defaultLogger,
  });
  const transport = new StdioServerTransport();
  const connection = await server.connect(transport);
  const ended = new Promise<string>((resolve) => {
    process.stdin.once('end', () => resolve('end of input'));
    process.stdin.once('close', () => resolve('input closed'));
    // The client closed its end of our output (EPIPE): it is gone.
    process.stdout.on('error', () => resolve('output closed'));
    connection.onClose(() => resolve('client gone'));
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await ended;
  // Running turns are interrupted and rollouts flushed before exiting; if that hangs, exit
  // anyway (the exec-server's watchdog then ends the commands still running).
  const closed = server.close().then(
    () => 0,
    (error: unknown) => {
      process.stderr.write(`${NAME}: shutdown failed: ${String(error)}\n`);
      return 1;
    },
  );
  const deadline = new Promise<number>((resolve) => {
    setTimeout(() => {
      process.stderr.write(`${NAME}: shutdown took over ${SHUTDOWN_DEADLINE_MS} ms; exiting\n`);
      resolve(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
  });
  return Promise.race([closed, deadline]);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${NAME}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
