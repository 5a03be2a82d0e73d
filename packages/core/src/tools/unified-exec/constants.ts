// The limits of unified exec (`exec_command` / `write_stdin`), from the original's
// `codex-rs/core/src/unified_exec/mod.rs` and its tool handler.

/** Shortest wait for output any call makes. */
export const MIN_YIELD_TIME_MS = 250;
/** Shortest wait of a `write_stdin` call with empty `chars` (a poll). */
export const MIN_EMPTY_YIELD_TIME_MS = 5_000;
/** Longest wait of `exec_command` and of a `write_stdin` that writes. */
export const MAX_YIELD_TIME_MS = 30_000;
/** Longest wait of a poll (`max_background_terminal_timeout` in the original's config). */
export const DEFAULT_MAX_BACKGROUND_TERMINAL_TIMEOUT_MS = 300_000;
/** `yield_time_ms` of `exec_command` when the model gives none. */
export const DEFAULT_EXEC_YIELD_TIME_MS = 10_000;
/** `yield_time_ms` of `write_stdin` when the model gives none. */
export const DEFAULT_WRITE_STDIN_YIELD_TIME_MS = 250;
/** `max_output_tokens` when the model gives none. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 10_000;
/** Output kept per process between reads: the first and the last half MiB. */
export const UNIFIED_EXEC_OUTPUT_MAX_BYTES = 1024 * 1024;
/** Processes kept alive for `write_stdin` at once. */
export const MAX_UNIFIED_EXEC_PROCESSES = 64;
/** Pruning never picks one of this many most recently used processes. */
export const PROTECTED_RECENT_PROCESSES = 8;
/** From this many open processes on, the model is warned (`MAX_UNIFIED_EXEC_PROCESSES - 4`). */
export const WARNING_UNIFIED_EXEC_PROCESSES = 60;
/** Pause after writing to a process so its reaction lands in the same read. */
export const WRITE_STDIN_SETTLE_MS = 100;
/**
 * How long {@link UnifiedExecManager.terminateAll} waits for exits: the exec-server's default
 * SIGTERM→SIGKILL grace (2 s) plus a margin, so even a process ignoring SIGTERM is gone.
 */
export const TERMINATE_ALL_WAIT_MS = 3_000;
/** Session ids are drawn from [1000, 100000), as in the original. */
export const SESSION_ID_MIN = 1_000;
export const SESSION_ID_MAX = 100_000;
