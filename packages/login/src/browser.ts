import { spawn } from 'node:child_process';
import { defaultLogger, type Logger } from '@codex/common';

/** Opens `url` with the platform's opener; failures are logged, not thrown. */
export function openInBrowser(url: string, logger: Logger = defaultLogger): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', (error) =>
      logger.warn(`could not open a browser (${command}): ${error.message}; open ${url} yourself`),
    );
    child.unref();
  } catch (error) {
    logger.warn(`could not open a browser: ${(error as Error).message}; open ${url} yourself`);
  }
}
