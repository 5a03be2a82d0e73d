/** Limits of one exec-server; every connection gets the same. */
export interface ExecServerConfig {
  /** Output retained per process for `process/read`; older chunks are dropped first. */
  readonly retainedOutputBytesPerProcess: number;
  /** Running processes one connection may have at once. */
  readonly maxProcessesPerConnection: number;
  /** Exited processes kept (for `process/read`) per connection; the oldest are forgotten. */
  readonly maxExitedProcessesPerConnection: number;
  /** Between SIGTERM and SIGKILL when terminating a process group. */
  readonly terminateGraceMs: number;
  /** Largest `process/output` chunk, in raw bytes. */
  readonly maxOutputChunkBytes: number;
  /** `process/read` default and ceiling for `maxBytes`. */
  readonly defaultReadBytes: number;
  /** Ceiling for `process/read`'s `waitMs`. */
  readonly maxReadWaitMs: number;
  /**
   * After a pipe process's leader exits, how long to keep reading output that descendants
   * still write to the inherited pipes before reporting the exit, in ms.
   */
  readonly exitDrainMs: number;
}

/** The defaults: 1 MiB retained per process, 1024 running processes, 2 s grace. */
export const DEFAULT_EXEC_SERVER_CONFIG: ExecServerConfig = {
  retainedOutputBytesPerProcess: 1024 * 1024,
  maxProcessesPerConnection: 1024,
  maxExitedProcessesPerConnection: 256,
  terminateGraceMs: 2_000,
  maxOutputChunkBytes: 64 * 1024,
  defaultReadBytes: 64 * 1024,
  maxReadWaitMs: 60_000,
  exitDrainMs: 250,
};

/** Fills in defaults and rejects nonsensical values with a message naming the field. */
export function resolveConfig(overrides: Partial<ExecServerConfig> = {}): ExecServerConfig {
  const config = { ...DEFAULT_EXEC_SERVER_CONFIG, ...stripUndefined(overrides) };
  for (const [key, value] of Object.entries(config)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(
        `exec-server config ${key} must be a non-negative integer, got ${value}`,
      );
    }
  }
  if (config.maxOutputChunkBytes < 1) {
    throw new RangeError('exec-server config maxOutputChunkBytes must be at least 1');
  }
  return config;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
