import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultLogger } from '@codex/common';
import { ExecServerClient, type ExecServerClientOptions, ExecServerError } from './client.js';

/** How to launch an exec-server child. */
export interface ExecServerLaunchCommand {
  /** The executable to run. */
  readonly program: string;
  /** Its arguments. Default none. */
  readonly args?: readonly string[];
  /** Its environment. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The launch command of this package's own bin, run by the current Node. */
export function defaultExecServerCommand(): ExecServerLaunchCommand {
  // Next to this module in the published package; `dist/` when running from the sources.
  const candidates = ['./bin.js', '../dist/bin.js'].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  );
  const bin = candidates.find((candidate) => existsSync(candidate)) ?? candidates[0] ?? '';
  return { program: process.execPath, args: [bin] };
}

/** A child exec-server and the client connected to it over its stdio. */
export interface SpawnedExecServer {
  /** The client, initialized, talking to the child over its stdin and stdout. */
  readonly client: ExecServerClient;
  /** The child process. */
  readonly child: ChildProcess;
  /**
   * Closes the client (the server then terminates its processes and exits), waits up to
   * `timeoutMs` (default 5 s) for the child, and kills it if it is still there.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Spawns an exec-server child (by default this package's bin) and connects over its stdio.
 * The child's stderr is inherited. If the handshake fails the child is killed.
 */
export async function spawnLocalExecServer(
  command: ExecServerLaunchCommand = defaultExecServerCommand(),
  options: ExecServerClientOptions = {},
): Promise<SpawnedExecServer> {
  const child = spawn(command.program, [...(command.args ?? [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: command.env ?? process.env,
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) =>
      reject(
        new ExecServerError(
          'spawn',
          `cannot spawn exec-server ${command.program}: ${error.message}`,
          {
            cause: error,
          },
        ),
      ),
    );
  });
  const logger = options.logger ?? defaultLogger;
  child.on('error', (error) => logger.error('exec-server child process error', error));
  const { stdin, stdout } = child;
  if (!stdin || !stdout) {
    child.kill('SIGKILL');
    throw new ExecServerError('spawn', 'exec-server stdio was not captured');
  }
  let client: ExecServerClient;
  try {
    client = await Promise.race([
      ExecServerClient.connectStdio(stdout, stdin, options),
      exited.then(() => {
        throw new ExecServerError(
          'spawn',
          `exec-server exited during the handshake (code ${child.exitCode}, signal ${child.signalCode})`,
        );
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    client,
    child,
    async close(closeOptions = {}) {
      await client.close();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), closeOptions.timeoutMs ?? 5_000);
      });
      const outcome = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
