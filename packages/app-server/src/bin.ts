import { defaultLogger } from '@codex/common';
import { parseCli, USAGE } from './cli.js';
import { listenAppServer } from './listen.js';
import { AppServer } from './server.js';

const NAME = 'codex-app-server';

async function main(): Promise<number> {
  let options: Awaited<ReturnType<typeof parseCli>>;
  try {
    options = await parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${NAME}: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const server = await AppServer.create({
    cliOverrides: options.cliOverrides,
    profile: options.profile,
    strictConfig: options.strictConfig,
    logger: defaultLogger,
  });
  const listener = await listenAppServer(server, options.listen, { auth: options.auth });
  if (options.listen.kind !== 'stdio')
    process.stderr.write(`${NAME} listening on ${listener.url}\n`);
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await Promise.race([listener.done, signalled]);
  // Turns are interrupted and rollouts flushed before the clients are let go.
  await server.shutdown();
  await listener.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${NAME}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
