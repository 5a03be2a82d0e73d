import type { core } from '@codex/protocol';
import type { CommandWrapper } from '../tools/command-wrapper.js';
import {
  bubblewrapArgv,
  networkAllowed,
  probeBubblewrap,
  type SandboxStatus,
} from './bubblewrap.js';
import { seatbeltCommand } from './seatbelt.js';

/** Set in a sandboxed command's environment when it has no network, as the original sets it. */
export const NETWORK_DISABLED_ENV = 'CODEX_SANDBOX_NETWORK_DISABLED';

/** Output that says a command was stopped by the sandbox rather than failing on its own. */
const FILE_DENIALS = [/Read-only file system/i, /Permission denied/i, /Operation not permitted/i];
const NETWORK_DENIALS = [
  /Network is unreachable/i,
  /Could not resolve host/i,
  /Temporary failure in name resolution/i,
  /Name or service not known/i,
  /getaddrinfo|EAI_AGAIN|ENOTFOUND|ENETUNREACH/,
  /Connection refused/i,
];

/**
 * Whether a failed sandboxed command looks like the sandbox's doing: a file-system denial, or a
 * network failure when the policy has no network.
 */
export function looksLikeSandboxDenial(
  exitCode: number | null,
  output: string,
  policy: core.SandboxPolicy,
): boolean {
  if (exitCode === 0 || exitCode === null) return false;
  if (FILE_DENIALS.some((pattern) => pattern.test(output))) return true;
  return !networkAllowed(policy) && NETWORK_DENIALS.some((pattern) => pattern.test(output));
}

/** Whether a policy confines commands (and so needs a sandbox to run them unasked). */
export const confines = (policy: core.SandboxPolicy) =>
  policy.mode === 'read-only' || policy.mode === 'workspace-write';

/**
 * The session's sandbox: what the startup probe found, and the wrapper that runs a command
 * under a policy.
 */
export class Sandbox {
  private constructor(
    /** What the startup probe found. */
    readonly status: SandboxStatus,

    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  /**
   * Probes the machine (bubblewrap on Linux). `systemBwrap` replaces `/usr/bin/bwrap` as the
   * preferred binary (tests use a missing path to see the `PATH` lookup and its failure).
   */
  static async probe(
    env: Readonly<Record<string, string | undefined>>,
    options: { readonly systemBwrap?: string } = {},
  ): Promise<Sandbox> {
    return new Sandbox(await probeBubblewrap(env, options), env);
  }

  /** A sandbox that is known to be unavailable (tests, or `sandbox: false`). */
  static unavailable(reason: string, fix: string): Sandbox {
    return new Sandbox({ available: false, kind: 'none', reason, fix }, {});
  }

  /** Whether commands can be sandboxed here. */
  get available(): boolean {
    return this.status.available;
  }

  /**
   * The wrapper that runs a command under `policy` in `cwd`, or null when the policy does not
   * confine commands. Throws when it does and no sandbox is available: the caller must have
   * asked first and run the command unwrapped instead.
   */
  wrapperFor(policy: core.SandboxPolicy, cwd: string): CommandWrapper | null {
    if (!confines(policy)) return null;
    const status = this.status;
    if (!status.available) throw new Error(`no sandbox: ${status.reason}`);
    const environment = (env: Readonly<Record<string, string>>) =>
      networkAllowed(policy) ? env : { ...env, [NETWORK_DISABLED_ENV]: '1' };
    if (status.kind === 'seatbelt')
      return async ({ argv, env }) => ({
        argv: seatbeltCommand(argv, { policy, cwd, tmpdir: this.env.TMPDIR }),
        env: { ...environment(env), CODEX_SANDBOX: 'seatbelt' },
      });
    return async ({ argv, env }) => ({
      argv: await bubblewrapArgv({ argv, policy, cwd, status, env: this.env }),
      env: environment(env),
    });
  }
}
