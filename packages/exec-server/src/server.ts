import { defaultLogger, type Logger } from '@codex/common';
import { Connection, type ErrorPolicy, type Transport } from '@codex/jsonrpc';
import { describeIssues, exec, invalidParams, invalidRequest, parseError } from '@codex/protocol';
import { DEFAULT_EXEC_SERVER_CONFIG, type ExecServerConfig } from './config.js';
import { ExecServerHandler } from './handler.js';

/** What an exec-server connection accepts. */
export const execServerIncoming = {
  requests: exec.execRequests,
  notifications: exec.execClientNotifications,
} as const;

/** What an exec-server connection sends. */
export const execServerOutgoing = {
  requests: {},
  notifications: exec.execServerNotifications,
} as const;

/** A server-side exec-server connection. */
export type ExecServerConnection = Connection<typeof execServerIncoming, typeof execServerOutgoing>;

/**
 * The seed's error conventions: unknown methods are -32600 `unknown method: <m>`, bad params
 * -32602 naming the field, and a client notification other than `initialized` or any client
 * response is a protocol error that closes the connection (the seed's `routing.rs`). Unlike
 * the seed, which also drops the connection on unparsable input, a bad frame gets a -32700
 * reply (id null) and the connection stays up.
 */
export const execServerErrorPolicy: ErrorPolicy = {
  unhandledNotification: 'close',
  unmatchedResponse: 'close',
  frame: (error) => parseError(`Parse error: ${error.message}`),
  invalidMessage: (problem) => invalidRequest(`Invalid request: ${problem.problem}`),
  unknownMethod: (method) => invalidRequest(`unknown method: ${method}`),
  invalidParams: (_method, error) => invalidParams(describeIssues(error)),
};

/** Settings shared by every way of serving exec-server connections. */
export interface ExecServerOptions {
  /** Limits; unset fields keep {@link DEFAULT_EXEC_SERVER_CONFIG}. */
  readonly config?: Partial<ExecServerConfig>;
  /** Where recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
  /**
   * Queued outbound bytes above which processes' output stops being read until the client
   * catches up (and, while replies are owed, the client's requests stop being read). Default
   * 1 MiB.
   */
  readonly highWaterMarkBytes?: number;
  /**
   * Requests handled at once per connection; further ones wait in order (1,024 at most, then
   * they are refused as overloaded). `process/terminate` and `process/read` have limits of
   * their own (as many as the processes a connection may run), so that neither a stuck write
   * nor long polls hold them up. Default 128.
   */
  readonly maxConcurrentRequests?: number;
  /** How long the client may accept nothing before it is disconnected. Default 5 minutes. */
  readonly stallTimeoutMs?: number;
  /**
   * When the client's input ends but its output stays open (stdin closed), how long the
   * requests already read may take to be answered before the connection closes. Default 60 s.
   */
  readonly endGraceMs?: number;
}

/**
 * Requests that run apart from the shared limit, each with its own: a terminate lets stuck
 * requests (a write to a full stdin) finish, and long-polling reads, one per process, would
 * otherwise hold the shared slots for up to `maxReadWaitMs`. Writes, `process/closeStdin` and
 * `process/resize` share one line, so that they reach a process in the order they were sent.
 */
function execServerMethodLimits(config: Partial<ExecServerConfig> = {}): Record<string, number> {
  const processes =
    config.maxProcessesPerConnection ?? DEFAULT_EXEC_SERVER_CONFIG.maxProcessesPerConnection;
  return { 'process/terminate': processes, 'process/read': processes };
}

/** One served connection. */
export interface ServedExecConnection {
  /** The JSON-RPC connection to the client. */
  readonly connection: ExecServerConnection;
  /** The connection's processes and their retained output. */
  readonly handler: ExecServerHandler;
  /** Resolves once the transport closed and every process of the connection ended. */
  readonly done: Promise<void>;
  /** Closes the connection (its processes are terminated). */
  close(): Promise<void>;
}

/**
 * Serves the exec-server protocol on `transport`: routes requests to a fresh
 * `ExecServerHandler`, streams its events as notifications with flow control, and
 * terminates the connection's processes when the transport closes.
 */
export function serveExecConnection(
  transport: Transport,
  options: ExecServerOptions = {},
): ServedExecConnection {
  const logger = options.logger ?? defaultLogger;
  const connection: ExecServerConnection = new Connection(transport, {
    incoming: execServerIncoming,
    outgoing: execServerOutgoing,
    errorPolicy: execServerErrorPolicy,
    highWaterMarkBytes: options.highWaterMarkBytes,
    // Output is flow-controlled per process (each waits while the queue is above the high-water
    // mark), so the queue stays bounded by the process limit; a notification is never refused.
    maxQueuedBytes: Number.POSITIVE_INFINITY,
    maxConcurrentRequests: options.maxConcurrentRequests,
    methodLimits: execServerMethodLimits(options.config),
    stallTimeoutMs: options.stallTimeoutMs,
    endGraceMs: options.endGraceMs,
    logger,
  });
  const handler = new ExecServerHandler(
    {
      output: (event) => {
        const sent = connection.notify('process/output', {
          processId: event.processId,
          stream: event.stream,
          chunk: event.chunk.toString('base64'),
        });
        // Above the high-water mark the promise settles when this message is written.
        return connection.queuedBytes > connection.highWaterMark ? sent : undefined;
      },
      exited: (event) => {
        void connection.notify('process/exited', {
          processId: event.processId,
          exitCode: event.exitCode,
        });
      },
    },
    { config: options.config, logger },
  );

  connection.onRequest('initialize', (params) => handler.initialize(params));
  connection.onNotification('initialized', () => handler.initialized());
  connection.onRequest('process/start', (params) => handler.start(params));
  connection.onRequest('process/read', async (params, context) => {
    const read = await handler.read(params, context.signal);
    return {
      chunks: read.chunks.map((chunk) => ({
        seq: chunk.seq,
        stream: chunk.stream,
        chunk: chunk.chunk.toString('base64'),
      })),
      nextSeq: read.nextSeq,
      exited: read.exited,
      exitCode: read.exitCode,
      truncated: read.truncated,
    };
  });
  connection.onRequest('process/write', (params) =>
    handler.write({ processId: params.processId, chunk: Buffer.from(params.chunk, 'base64') }),
  );
  connection.onRequest('process/terminate', (params) => handler.terminate(params));
  connection.onRequest('process/resize', (params) => handler.resize(params));
  connection.onRequest('process/closeStdin', (params) => handler.closeStdin(params));

  const done = new Promise<void>((resolve) => {
    connection.onClose((info) => {
      if (info.reason) logger.debug(`exec-server connection closed: ${info.reason}`);
      handler.shutdown().then(resolve, (error: unknown) => {
        logger.error('terminating the processes of a closed connection failed', error);
        resolve();
      });
    });
  });
  connection.listen().catch((error: unknown) => {
    logger.error('exec-server transport failed to start', error);
    void connection.close({ reason: 'transport failed to start' });
  });
  return {
    connection,
    handler,
    done,
    async close() {
      await connection.close({ reason: 'server closing' });
      await done;
    },
  };
}
