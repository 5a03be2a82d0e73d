import type { Readable, Writable } from 'node:stream';
import { CodexError, defaultLogger, type Logger } from '@codex/common';
import { Connection, ConnectionError, type Transport } from '@codex/jsonrpc';
import { StdioTransport } from '@codex/jsonrpc/stdio';
import { connectWebSocket } from '@codex/jsonrpc/websocket';
import { exec } from '@codex/protocol';
import type { ExecServerConfig } from './config.js';
import { ExecServerHandler, type ProcessRead, type StartParams } from './handler.js';

type ExecOutputStream = exec.ExecOutputStream;
type TerminalSize = exec.TerminalSize;

/** Events a client receives. */
export type ExecServerEvent =
  | {
      /** A process wrote output. */
      readonly type: 'outputDelta';
      /** The process, as named in its `process/start`. */
      readonly processId: string;
      /** Which stream the bytes came from. */
      readonly stream: ExecOutputStream;
      /** The bytes, in order after the previous chunk of the same process. */
      readonly chunk: Buffer;
    }
  | {
      /** A process exited. */
      readonly type: 'exited';
      /** The process, as named in its `process/start`. */
      readonly processId: string;
      /** Its exit status, or `128 + n` for a process killed by signal `n`. */
      readonly exitCode: number;
    };

/** Why a client operation failed outside the JSON-RPC error channel. */
export type ExecServerErrorCode =
  | 'initialize_timeout'
  | 'protocol'
  | 'spawn'
  | 'closed'
  | 'wait_timeout'
  | 'cancelled';

/**
 * A client-side failure: the handshake timed out or was answered wrongly, the server could
 * not be spawned, the connection closed, or a wait ran out. Errors the server returned are
 * `JsonRpcError`s; transport failures are `ConnectionError`s.
 */
export class ExecServerError extends CodexError<ExecServerErrorCode> {
  static override readonly brand = 'codex.exec-server.ExecServerError';
}

/** Settings common to every way of connecting. */
export interface ExecServerClientOptions {
  /** Sent in `initialize`. Default `codex-exec-server-client`. */
  readonly clientName?: string;
  /** Bound on the `initialize` round trip. Default 10 s. */
  readonly initializeTimeoutMs?: number;
  /** Default bound on other requests. Default 60 s. */
  readonly requestTimeoutMs?: number;
  /** Where recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
}

/** Settings of {@link ExecServerClient.connectWebSocket}. */
export interface WebSocketClientOptions extends ExecServerClientOptions {
  /** Sent as `Authorization: Bearer <token>` (a capability token or a signed JWT). */
  readonly token?: string;
  /** Bound on opening the socket. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Largest accepted message. Default 16 MiB. */
  readonly maxMessageBytes?: number;
}

/** Settings of {@link ExecServerClient.connectInProcess}. */
export interface InProcessClientOptions {
  /** Sent in `initialize`. Default `codex-exec-server-client`. */
  readonly clientName?: string;
  /** Limits of the in-process server; unset fields keep {@link DEFAULT_EXEC_SERVER_CONFIG}. */
  readonly config?: Partial<ExecServerConfig>;
  /** Where recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
}

/** What {@link ExecServerClient.communicate} collects. */
export interface CommunicateResult {
  /** The exit status, or `128 + n` for a process killed by signal `n`. */
  readonly exitCode: number;
  /** Pipe processes: stdout; PTY processes: the terminal stream. */
  readonly stdout: Buffer;
  /** Pipe processes: stderr; PTY processes: empty. */
  readonly stderr: Buffer;
  /** More output arrived than `maxOutputBytes`; the head was kept. */
  readonly truncated: boolean;
  /** The process was terminated because `timeoutMs` passed. */
  readonly timedOut: boolean;
}

/** Settings of {@link ExecServerClient.communicate}. */
export interface CommunicateOptions {
  /** Written to stdin, which is then closed (pipes are started with `openStdin`). */
  readonly stdin?: Uint8Array | string;
  /** Output kept per stream. Default 16 MiB. */
  readonly maxOutputBytes?: number;
  /** Terminate the process after this long. Default: no limit. */
  readonly timeoutMs?: number;
  /**
   * Aborting stops waiting: the call rejects with a `cancelled` {@link ExecServerError}; the
   * process keeps running.
   */
  readonly signal?: AbortSignal;
}

/** The operations a client needs from a server, remote or in-process. */
interface Backend {
  start(params: StartParams): Promise<exec.ExecResponse>;
  read(params: exec.ReadParams): Promise<ProcessRead>;
  write(processId: string, chunk: Buffer): Promise<exec.WriteResponse>;
  terminate(processId: string): Promise<exec.TerminateResponse>;
  resize(processId: string, size: TerminalSize): Promise<void>;
  closeStdin(processId: string): Promise<void>;
  close(): Promise<void>;
  readonly closed: Promise<void>;
}

const clientSide = {
  requests: {},
  notifications: exec.execServerNotifications,
} as const;
const serverSide = {
  requests: exec.execRequests,
  notifications: exec.execClientNotifications,
} as const;
type ClientConnection = Connection<typeof clientSide, typeof serverSide>;

const DEFAULT_CLIENT_NAME = 'codex-exec-server-client';
const RECENT_EXITS = 4096;

/**
 * A client of an exec-server: over stdio, a WebSocket, or in-process (calling the handler
 * directly, no JSON). Process lifetime is tracked from the server's events.
 */
export class ExecServerClient {
  private readonly backend: Backend;
  private readonly listeners = new Set<(event: ExecServerEvent) => void>();
  /** Exit codes of recently exited processes, so `wait` after the fact still answers. */
  private readonly exits = new Map<string, number>();
  private readonly exitWaiters = new Map<string, Set<(exitCode: number) => void>>();
  /** Pending waits, rejected when the connection closes. */
  private readonly closeCallbacks = new Set<() => void>();
  private readonly logger: Logger;

  private constructor(
    backendFactory: (emit: (event: ExecServerEvent) => void) => Backend,
    logger: Logger,
  ) {
    this.logger = logger;
    this.backend = backendFactory((event) => this.emit(event));
    void this.backend.closed.then(() => {
      for (const callback of [...this.closeCallbacks]) callback();
    });
  }

  /** Resolves when the connection to the server is gone. */
  get closed(): Promise<void> {
    return this.backend.closed;
  }

  /**
   * Speaks to a server over a pair of streams: `fromServer` is its stdout, `toServer` its
   * stdin. Performs the handshake before resolving.
   */
  static connectStdio(
    fromServer: Readable,
    toServer: Writable,
    options: ExecServerClientOptions = {},
  ): Promise<ExecServerClient> {
    return ExecServerClient.connectTransport(
      new StdioTransport({ input: fromServer, output: toServer, endOutputOnClose: true }),
      options,
    );
  }

  /** Opens a WebSocket to `url` (bounded by `connectTimeoutMs`) and performs the handshake. */
  static async connectWebSocket(
    url: string,
    options: WebSocketClientOptions = {},
  ): Promise<ExecServerClient> {
    const transport = await connectWebSocket(url, {
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      headers: options.token ? { Authorization: `Bearer ${options.token}` } : undefined,
      maxMessageBytes: options.maxMessageBytes,
    });
    return ExecServerClient.connectTransport(transport, options);
  }

  /** Performs the handshake over any transport. */
  static async connectTransport(
    transport: Transport,
    options: ExecServerClientOptions = {},
  ): Promise<ExecServerClient> {
    const logger = options.logger ?? defaultLogger;
    const connection: ClientConnection = new Connection(transport, {
      incoming: clientSide,
      outgoing: serverSide,
      requestTimeoutMs: options.requestTimeoutMs,
      logger,
    });
    const client = new ExecServerClient((emit) => remoteBackend(connection, emit), logger);
    await connection.listen();
    const timeoutMs = options.initializeTimeoutMs ?? 10_000;
    try {
      const response = await connection.request(
        'initialize',
        { clientName: options.clientName ?? DEFAULT_CLIENT_NAME },
        { timeoutMs },
      );
      if (response.protocolVersion !== exec.EXEC_SERVER_PROTOCOL_VERSION) {
        throw new ExecServerError(
          'protocol',
          `exec-server speaks ${response.protocolVersion}, this client ${exec.EXEC_SERVER_PROTOCOL_VERSION}`,
        );
      }
      await connection.notify('initialized', {});
    } catch (error) {
      await connection.close({ reason: 'handshake failed' }, { flushTimeoutMs: 100 });
      if (ConnectionError.isInstance(error) && error.code === 'timeout') {
        throw new ExecServerError(
          'initialize_timeout',
          `exec-server did not answer initialize within ${timeoutMs} ms`,
          { cause: error },
        );
      }
      throw error;
    }
    return client;
  }

  /** A client backed directly by an in-process `ExecServerHandler`: no transport. */
  static connectInProcess(options: InProcessClientOptions = {}): ExecServerClient {
    const logger = options.logger ?? defaultLogger;
    return new ExecServerClient((emit) => {
      const handler = new ExecServerHandler(
        {
          output: (event) =>
            emit({
              type: 'outputDelta',
              processId: event.processId,
              stream: event.stream,
              chunk: event.chunk,
            }),
          exited: (event) =>
            emit({ type: 'exited', processId: event.processId, exitCode: event.exitCode }),
        },
        { config: options.config, logger },
      );
      handler.initialize({ clientName: options.clientName ?? DEFAULT_CLIENT_NAME });
      handler.initialized();
      let resolveClosed = () => {};
      const closed = new Promise<void>((resolve) => {
        resolveClosed = resolve;
      });
      return {
        start: (params) => handler.start(params),
        read: (params) => handler.read(params),
        write: (processId, chunk) => handler.write({ processId, chunk }),
        terminate: (processId) => handler.terminate({ processId }),
        resize: async (processId, size) => {
          handler.resize({ processId, size });
        },
        closeStdin: async (processId) => {
          handler.closeStdin({ processId });
        },
        close: async () => {
          await handler.shutdown();
          resolveClosed();
        },
        closed,
      };
    }, logger);
  }

  /** Starts a process (`process/start`). */
  exec(params: StartParams): Promise<exec.ExecResponse> {
    this.exits.delete(params.processId);
    return this.backend.start(params);
  }

  /** Reads retained output (`process/read`). */
  read(params: exec.ReadParams): Promise<ProcessRead> {
    return this.backend.read(params);
  }

  /** Writes bytes (a string is UTF-8) to a PTY or open stdin (`process/write`). */
  write(processId: string, chunk: Uint8Array | string): Promise<exec.WriteResponse> {
    return this.backend.write(processId, toBuffer(chunk));
  }

  /** Terminates a process group (`process/terminate`). */
  terminate(processId: string): Promise<exec.TerminateResponse> {
    return this.backend.terminate(processId);
  }

  /** Resizes a PTY (`process/resize`). */
  resize(processId: string, size: TerminalSize): Promise<void> {
    return this.backend.resize(processId, size);
  }

  /** Closes a pipe process's stdin (`process/closeStdin`). */
  closeStdin(processId: string): Promise<void> {
    return this.backend.closeStdin(processId);
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: (event: ExecServerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes to output chunks. */
  onOutput(
    listener: (event: Extract<ExecServerEvent, { type: 'outputDelta' }>) => void,
  ): () => void {
    return this.subscribe((event) => {
      if (event.type === 'outputDelta') listener(event);
    });
  }

  /** Subscribes to exits. */
  onExited(listener: (event: Extract<ExecServerEvent, { type: 'exited' }>) => void): () => void {
    return this.subscribe((event) => {
      if (event.type === 'exited') listener(event);
    });
  }

  /**
   * Resolves with the process's exit code once it exits (at once if it already did), or
   * rejects on timeout, abort, or when the connection closes first.
   */
  wait(
    processId: string,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<number> {
    const known = this.exits.get(processId);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise<number>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiters = this.exitWaiters.get(processId) ?? new Set();
      this.exitWaiters.set(processId, waiters);
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        waiters.delete(onExit);
        if (waiters.size === 0) this.exitWaiters.delete(processId);
        options.signal?.removeEventListener('abort', onAbort);
        this.closeCallbacks.delete(onClosed);
      };
      const onClosed = () => {
        cleanup();
        reject(new ExecServerError('closed', `connection closed before ${processId} exited`));
      };
      const onExit = (exitCode: number) => {
        cleanup();
        resolve(exitCode);
      };
      const onAbort = () => {
        cleanup();
        reject(new ExecServerError('cancelled', `wait for ${processId} was cancelled`));
      };
      waiters.add(onExit);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          reject(
            new ExecServerError(
              'wait_timeout',
              `process ${processId} did not exit within ${options.timeoutMs} ms`,
            ),
          );
        }, options.timeoutMs);
      }
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
      // The exit may have happened before this client saw the process (or was missed):
      // ask the server once.
      this.backend.read({ processId, afterSeq: Number.MAX_SAFE_INTEGER, maxBytes: 0 }).then(
        (read) => {
          if (read.exited && read.exitCode !== null) onExit(read.exitCode);
        },
        (error: unknown) => {
          cleanup();
          reject(error);
        },
      );
      this.closeCallbacks.add(onClosed);
    });
  }

  /**
   * Runs a process to completion: starts it, feeds `stdin` (then closes it), collects output
   * up to `maxOutputBytes` per stream, and waits for the exit.
   */
  async communicate(
    params: StartParams,
    options: CommunicateOptions = {},
  ): Promise<CommunicateResult> {
    const cap = options.maxOutputBytes ?? 16 * 1024 * 1024;
    const collected = { stdout: new Collector(cap), stderr: new Collector(cap) };
    const { processId } = params;
    const unsubscribe = this.onOutput((event) => {
      if (event.processId !== processId) return;
      (event.stream === 'stderr' ? collected.stderr : collected.stdout).add(event.chunk);
    });
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const wantsStdin = options.stdin !== undefined;
      await this.exec({ ...params, openStdin: params.openStdin ?? (wantsStdin && !params.tty) });
      const exited = this.wait(processId, { signal: options.signal });
      // Awaited below; until then a failure (say, of the stdin write) must not go unhandled.
      exited.catch(() => {});
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          timedOut = true;
          this.terminate(processId).catch((error: unknown) =>
            this.logger.warn(`terminating ${processId} after its timeout failed`, error),
          );
        }, options.timeoutMs);
      }
      if (wantsStdin) {
        await this.write(processId, options.stdin ?? '');
        if (!params.tty) await this.closeStdin(processId);
      } else if (params.openStdin && !params.tty) {
        await this.closeStdin(processId);
      }
      const exitCode = await exited;
      return {
        exitCode,
        stdout: collected.stdout.result(),
        stderr: collected.stderr.result(),
        truncated: collected.stdout.truncated || collected.stderr.truncated,
        timedOut,
      };
    } finally {
      if (timer) clearTimeout(timer);
      unsubscribe();
    }
  }

  /** Closes the connection; the server terminates this connection's processes. */
  close(): Promise<void> {
    return this.backend.close();
  }

  private emit(event: ExecServerEvent): void {
    if (event.type === 'exited') {
      this.exits.set(event.processId, event.exitCode);
      if (this.exits.size > RECENT_EXITS) {
        const oldest = this.exits.keys().next().value;
        if (oldest !== undefined) this.exits.delete(oldest);
      }
      for (const waiter of [...(this.exitWaiters.get(event.processId) ?? [])]) {
        waiter(event.exitCode);
      }
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error('exec-server event listener failed', error);
      }
    }
  }
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

/** Keeps the head of a byte stream, up to a cap. */
class Collector {
  private readonly parts: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly cap: number) {}

  add(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (room <= 0) {
      if (chunk.length > 0) this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.parts.push(kept);
    this.size += kept.length;
  }

  result(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

function remoteBackend(
  connection: ClientConnection,
  emit: (event: ExecServerEvent) => void,
): Backend {
  connection.onNotification('process/output', (params) =>
    emit({
      type: 'outputDelta',
      processId: params.processId,
      stream: params.stream,
      chunk: Buffer.from(params.chunk, 'base64'),
    }),
  );
  connection.onNotification('process/exited', (params) =>
    emit({ type: 'exited', processId: params.processId, exitCode: params.exitCode }),
  );
  const closed = new Promise<void>((resolve) => connection.onClose(() => resolve()));
  return {
    start: (params) => connection.request('process/start', params),
    read: async (params) => {
      const read = await connection.request('process/read', params);
      return {
        chunks: read.chunks.map((chunk) => ({
          seq: chunk.seq,
          stream: chunk.stream,
          chunk: Buffer.from(chunk.chunk, 'base64'),
        })),
        nextSeq: read.nextSeq,
        exited: read.exited,
        exitCode: read.exitCode,
        truncated: read.truncated ?? false,
      };
    },
    write: (processId, chunk) =>
      connection.request('process/write', { processId, chunk: chunk.toString('base64') }),
    terminate: (processId) => connection.request('process/terminate', { processId }),
    resize: async (processId, size) => {
      await connection.request('process/resize', { processId, size });
    },
    closeStdin: async (processId) => {
      await connection.request('process/closeStdin', { processId });
    },
    close: () => connection.close({ reason: 'client closed' }),
    closed,
  };
}
