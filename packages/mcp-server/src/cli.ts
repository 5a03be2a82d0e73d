import { parseArgs } from 'node:util';
import { isApprovalTimeout, MAX_APPROVAL_TIMEOUT_MS } from './wait.js';

/** Usage text of `codex-mcp-server`. */
export const USAGE = `Usage: codex-mcp-server [OPTIONS]

Runs Codex as a Model Context Protocol server over stdio: the \`codex\` tool starts a
thread and runs a turn, \`codex-reply\` continues one; approvals are asked by elicitation.

Options:
  -c, --config <key=value>        override a config.toml value (repeatable; TOML values)
  -p, --profile <NAME>            use $CODEX_HOME/<NAME>.config.toml
  --strict-config                 fail on unknown config keys
  --approval-timeout <SECONDS>    decline an approval the client does not answer in time
                                  (default 600)
  -h, --help                      print this help
`;

/** A parsed command line. */
export interface McpServerCliOptions {
  readonly cliOverrides: readonly string[];
  readonly profile?: string;
  readonly strictConfig: boolean;
  readonly approvalTimeoutMs?: number;
  readonly help: boolean;
}

/** Parses `codex-mcp-server`'s arguments; throws an Error naming the bad flag. */
export function parseCli(argv: readonly string[]): McpServerCliOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      config: { type: 'string', short: 'c', multiple: true, default: [] },
      profile: { type: 'string', short: 'p' },
      'strict-config': { type: 'boolean', default: false },
      'approval-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const timeout = values['approval-timeout'];
  let approvalTimeoutMs: number | undefined;
  if (timeout !== undefined) {
    const seconds = Number(timeout);
    const ms = Math.round(seconds * 1000);
    if (!/^\d+(\.\d+)?$/.test(timeout) || !isApprovalTimeout(ms)) {
      throw new Error(
        `--approval-timeout takes a number of seconds from 0.001 to ${MAX_APPROVAL_TIMEOUT_MS / 1000}`,
      );
    }
    approvalTimeoutMs = ms;
  }
  return {
    cliOverrides: values.config,
    profile: values.profile,
    strictConfig: values['strict-config'],
    help: values.help,
    ...(approvalTimeoutMs !== undefined ? { approvalTimeoutMs } : {}),
  };
}
