/** Where a connection reports what it swallows. */
export interface Logger {
  debug(message: string, details?: unknown): void;
  warn(message: string, details?: unknown): void;
  error(message: string, details?: unknown): void;
}

const write = (level: string, message: string, details?: unknown) => {
  if (details === undefined) console.error(`[codex-jsonrpc] ${level} ${message}`);
  else console.error(`[codex-jsonrpc] ${level} ${message}`, details);
};

/** Writes warnings and errors to stderr; drops debug output. */
export const stderrLogger: Logger = {
  debug: () => {},
  warn: (message, details) => write('WARN', message, details),
  error: (message, details) => write('ERROR', message, details),
};

/** Drops everything (for tests that assert on their own logger). */
export const silentLogger: Logger = { debug: () => {}, warn: () => {}, error: () => {} };
