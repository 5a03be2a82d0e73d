import { defaultLogger } from '@codex/common';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { parseCli, USAGE } from './cli.js';
import { CodexMcpServer } from './server.js';

const NAME = 'codex-mcp-server';

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
    connection.onClose(() => resolve('client gone'));
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await ended;
  // Running turns are interrupted and rollouts flushed before exiting.
  await server.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${NAME}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
