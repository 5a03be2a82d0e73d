/** Where storage reports what it recovers from (fallbacks, cleanup failures). */
export interface AuthLogger {
  warn(message: string, details?: unknown): void;
  debug(message: string, details?: unknown): void;
}

/** Writes warnings to stderr; drops debug output. */
export const defaultAuthLogger: AuthLogger = {
  warn: (message, details) =>
    details === undefined
      ? console.error(`[codex-auth] WARN ${message}`)
      : console.error(`[codex-auth] WARN ${message}`, details),
  debug: () => {},
};
