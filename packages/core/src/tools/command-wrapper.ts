/**
 * Rewrites a command before it starts: a sandbox wraps the argv (e.g. in bubblewrap) and may
 * add environment variables. The command shown in events and to the model stays the
 * unwrapped one.
 */
export type CommandWrapper = (command: {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}) => Promise<{ readonly argv: readonly string[]; readonly env: Readonly<Record<string, string>> }>;
