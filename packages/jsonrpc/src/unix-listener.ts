import { chmod, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { defaultLogger, type Logger, timerFor } from '@codex/common';
import { DEFAULT_FRAME_LIMITS } from './frame.js';
import { type ConnectionListener, createUpgradeServer, listen } from './upgrade-server.js';

/** Settings of {@link startUnixListener}. */
export interface UnixListenerOptions {
  /** The socket's path; its directory is created (mode 0700) when missing. */
  readonly path: string;
  /** Largest accepted message; a larger frame closes the connection with 1009. Default 16 MiB. */
  readonly maxMessageBytes?: number;
  /** Default: the process-wide default logger. */
  readonly logger?: Logger;
  /** Receives each accepted connection's transport; it owns it from then on. */
  readonly onConnection: ConnectionListener;
}

/** A listening Unix-socket server. */
export interface RunningUnixListener {
  /** The socket's absolute path. */
  readonly path: string;
  /** `unix://` and the path. */
  readonly url: string;
  /** Stops listening, closes every connection's transport and removes the socket file. */
  close(): Promise<void>;
}

/** How long a socket found at the path may take to accept before it is taken for stale. */
const PROBE_TIMEOUT_MS = 1_000;
const SOCKET_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

/** The response header by which the original tells a client the largest message it accepts. */
const MAX_MESSAGE_HEADER = 'x-codex-websocket-max-unfragmented-message-bytes';

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** Whether a server accepts connections on the socket at `socketPath`. */
function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const timer = timerFor(PROBE_TIMEOUT_MS, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      if (errorCode(error) === 'ECONNREFUSED' || errorCode(error) === 'ENOENT') resolve(false);
      else reject(error);
    });
  });
}

/**
 * Makes way for a new socket at `socketPath`: a socket nobody answers on (left by a process that
 * died) is removed; a live one, or anything that is not a socket, is an error.
 */
async function clearStaleSocket(socketPath: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await stat(socketPath)).isSocket();
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    // A dangling symlink (the original links its sockets) is stale too.
    const link = await lstat(socketPath).catch(() => undefined);
    if (link?.isSymbolicLink()) await unlink(socketPath);
    return;
  }
  if (!isSocket) throw new Error(`unix socket path exists and is not a socket: ${socketPath}`);
  if (await answers(socketPath)) throw new Error(`unix socket is already in use at ${socketPath}`);
  await unlink(socketPath);
}

/**
 * Listens on a Unix-domain socket, as the original app-server's `--listen unix://PATH` does:
 * each client speaks WebSocket over the socket (one JSON-RPC message per text frame), with no
 * authentication beyond the socket's mode (0600: only this user can connect) and no check of
 * `Origin` (no browser reaches a Unix socket). The 101 response names the largest accepted
 * message in `x-codex-websocket-max-unfragmented-message-bytes`. A stale socket at the path is
 * replaced; the file is removed on close.
 */
export async function startUnixListener(
  options: UnixListenerOptions,
): Promise<RunningUnixListener> {
  const logger = options.logger ?? defaultLogger;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_FRAME_LIMITS.maxMessageBytes;
  const socketPath = path.resolve(options.path);
  await mkdir(path.dirname(socketPath), { recursive: true, mode: DIRECTORY_MODE });
  await clearStaleSocket(socketPath);
  const server = createUpgradeServer({
    auth: { mode: 'none' },
    rejectOrigin: false,
    maxMessageBytes,
    logger,
    upgradeHeaders: [`${MAX_MESSAGE_HEADER}: ${maxMessageBytes}`],
    onConnection: options.onConnection,
  });
  try {
    await listen(server.http, { path: socketPath }, logger);
  } catch (error) {
    throw new Error(`cannot listen on unix socket ${socketPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  await chmod(socketPath, SOCKET_MODE);
  const { ino } = await stat(socketPath);
  let closing: Promise<void> | undefined;
  return {
    path: socketPath,
    url: `unix://${socketPath}`,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.http.close(() => resolve()));
        await server.closeConnections();
        await stopped;
        // Only our own socket: another server may have replaced it since.
        const current = await stat(socketPath).catch(() => undefined);
        if (current?.isSocket() && current.ino === ino)
          await unlink(socketPath).catch(() => undefined);
      })();
      return closing;
    },
  };
}
