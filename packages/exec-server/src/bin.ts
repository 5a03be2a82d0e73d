import { defaultLogger } from '@codex/common';
import { parseCli, USAGE } from './cli.js';
import { serveStdio, startUnixServer, startWebSocketServer } from './listen.js';

async function main(): Promise<number> {
  let options: Awaited<ReturnType<typeof parseCli>>;
  try {
    options = await parseCli(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`codex-exec-server: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const logger = defaultLogger;
  let stop: () => Promise<void>;
  let finished: Promise<void>;
  if (options.listen.kind === 'stdio') {
    const served = serveStdio({ config: options.config, logger });
    stop = () => served.close();
    finished = served.done;
  } else if (options.listen.kind === 'unix') {
    const server = await startUnixServer({
      path: options.listen.path,
      config: options.config,
      logger,
    });
    process.stderr.write(`codex-exec-server listening on ${server.url}\n`);
    stop = () => server.close();
    finished = new Promise(() => {});
  } else {
    const server = await startWebSocketServer({
      host: options.listen.host,
      port: options.listen.port,
      auth: options.auth ?? { mode: 'none' },
      config: options.config,
      logger,
    });
    if (options.auth?.mode === 'none') {
      process.stderr.write('codex-exec-server: WARNING: websocket authentication is disabled\n');
    }
    process.stderr.write(`codex-exec-server listening on ${server.url}\n`);
    stop = () => server.close();
    finished = new Promise(() => {});
  }
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const outcome = await Promise.race([finished.then(() => 'done' as const), signalled]);
  if (outcome !== 'done') await stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `codex-exec-server: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
