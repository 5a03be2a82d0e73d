import { z } from 'zod';

/** The protocol version `initialize` answers with. */
export const EXEC_SERVER_PROTOCOL_VERSION = 'exec-server.v0';

/** Standard base64 with padding; one linear pass (chunks can be megabytes). */
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/** Raw bytes as standard base64 (with padding). */
export const ByteChunkSchema = z
  .string()
  .regex(BASE64_PATTERN, 'Invalid base64-encoded string')
  .refine(
    (value) => value.length % 4 === 0,
    'Invalid base64-encoded string: length is not a multiple of 4',
  );
/** Raw bytes as standard base64. */
export type ByteChunk = z.infer<typeof ByteChunkSchema>;

/** A client-chosen process handle, unique per connection (not an OS pid). */
export const ProcessIdSchema = z.string().min(1);
/** A client-chosen process handle, unique per connection. */
export type ProcessId = z.infer<typeof ProcessIdSchema>;

/** `initialize` params. */
export const ExecInitializeParamsSchema = z.object({ clientName: z.string() });
/** `initialize` params. */
export type ExecInitializeParams = z.infer<typeof ExecInitializeParamsSchema>;

/** `initialize` result. */
export const ExecInitializeResponseSchema = z.object({ protocolVersion: z.string() });
/** `initialize` result. */
export type ExecInitializeResponse = z.infer<typeof ExecInitializeResponseSchema>;

/** `initialized` params; currently ignored. */
export const ExecInitializedParamsSchema = z.object({}).nullish();

/** Terminal size in character cells. */
export const TerminalSizeSchema = z.object({
  rows: z.number().int().min(1).max(65535),
  cols: z.number().int().min(1).max(65535),
});
/** Terminal size in character cells. */
export type TerminalSize = z.infer<typeof TerminalSizeSchema>;

/** `process/start` params. */
export const ExecParamsSchema = z.object({
  processId: ProcessIdSchema,
  /** Command vector; must be non-empty. */
  argv: z.array(z.string()).min(1, 'argv must not be empty'),
  /** Absolute working directory of the child. */
  cwd: z.string(),
  /** The child's whole environment. */
  env: z.record(z.string(), z.string()),
  /** PTY-backed interactive process when true; pipes otherwise. */
  tty: z.boolean(),
  /** argv[0] override. */
  arg0: z.string().nullable().optional(),
  /** Initial PTY size (extension; default 24x80). Ignored for pipes. */
  size: TerminalSizeSchema.nullable().optional(),
  /** Keep a pipe process's stdin open for `process/write` (extension; default closed). */
  openStdin: z.boolean().optional(),
});
/** `process/start` params. */
export type ExecParams = z.infer<typeof ExecParamsSchema>;

/** `process/start` result. */
export const ExecResponseSchema = z.object({ processId: ProcessIdSchema });
/** `process/start` result. */
export type ExecResponse = z.infer<typeof ExecResponseSchema>;

/** Which stream output came from: `pty` for PTY-backed processes. */
export const ExecOutputStreamSchema = z.enum(['stdout', 'stderr', 'pty']);
/** Which stream output came from. */
export type ExecOutputStream = z.infer<typeof ExecOutputStreamSchema>;

/** `process/read` params. */
export const ReadParamsSchema = z.object({
  processId: ProcessIdSchema,
  /** Exclusive: 0 reads from the start of the retained buffer. */
  afterSeq: z.number().int().min(0).nullable().optional(),
  maxBytes: z.number().int().min(0).nullable().optional(),
  /** Wait this long for new output or exit when none is available. */
  waitMs: z.number().int().min(0).nullable().optional(),
});
/** `process/read` params. */
export type ReadParams = z.infer<typeof ReadParamsSchema>;

/** One retained output chunk. */
export const ProcessOutputChunkSchema = z.object({
  seq: z.number().int().min(0),
  stream: ExecOutputStreamSchema,
  chunk: ByteChunkSchema,
});
/** One retained output chunk. */
export type ProcessOutputChunk = z.infer<typeof ProcessOutputChunkSchema>;

/** `process/read` result. */
export const ReadResponseSchema = z.object({
  chunks: z.array(ProcessOutputChunkSchema),
  nextSeq: z.number().int().min(0),
  exited: z.boolean(),
  exitCode: z.number().int().nullable(),
  /** Extension: chunks after `afterSeq` were dropped from retention before this read. */
  truncated: z.boolean().optional(),
});
/** `process/read` result. */
export type ReadResponse = z.infer<typeof ReadResponseSchema>;

/** `process/write` params. */
export const WriteParamsSchema = z.object({ processId: ProcessIdSchema, chunk: ByteChunkSchema });
/** `process/write` params. */
export type WriteParams = z.infer<typeof WriteParamsSchema>;

/** `process/write` result. */
export const WriteResponseSchema = z.object({ accepted: z.boolean() });
/** `process/write` result. */
export type WriteResponse = z.infer<typeof WriteResponseSchema>;

/** `process/terminate` params. */
export const TerminateParamsSchema = z.object({ processId: ProcessIdSchema });
/** `process/terminate` params. */
export type TerminateParams = z.infer<typeof TerminateParamsSchema>;

/** `process/terminate` result: whether the process was still running. */
export const TerminateResponseSchema = z.object({ running: z.boolean() });
/** `process/terminate` result. */
export type TerminateResponse = z.infer<typeof TerminateResponseSchema>;

/** `process/resize` params (extension, PTY only). */
export const ResizeParamsSchema = z.object({
  processId: ProcessIdSchema,
  size: TerminalSizeSchema,
});
/** `process/resize` params. */
export type ResizeParams = z.infer<typeof ResizeParamsSchema>;

/** `process/closeStdin` params (extension, pipe processes started with `openStdin`). */
export const CloseStdinParamsSchema = z.object({ processId: ProcessIdSchema });
/** `process/closeStdin` params. */
export type CloseStdinParams = z.infer<typeof CloseStdinParamsSchema>;

/** Empty result object. */
export const ExecEmptyResponseSchema = z.object({});

/** `process/output` notification: a live output chunk. */
export const ExecOutputDeltaNotificationSchema = z.object({
  processId: ProcessIdSchema,
  stream: ExecOutputStreamSchema,
  chunk: ByteChunkSchema,
});
/** `process/output` notification. */
export type ExecOutputDeltaNotification = z.infer<typeof ExecOutputDeltaNotificationSchema>;

/** `process/exited` notification: the final event for a process. */
export const ExecExitedNotificationSchema = z.object({
  processId: ProcessIdSchema,
  exitCode: z.number().int(),
});
/** `process/exited` notification. */
export type ExecExitedNotification = z.infer<typeof ExecExitedNotificationSchema>;
