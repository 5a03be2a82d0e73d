import { execFile } from 'node:child_process';
import { access, constants, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import type { core } from '@codex/protocol';
import { PROTECTED_SUBFOLDERS } from './assessment.js';
import { SANDBOX_EXEC } from './seatbelt.js';

/** The system bubblewrap, preferred because Ubuntu's AppArmor rule exempts only this path. */
export const SYSTEM_BWRAP = '/usr/bin/bwrap';

/** What the startup probe found. */
export type SandboxStatus =
  | {
      /** Commands can be sandboxed. */
      readonly available: true;
      /** Linux: bubblewrap. */
      readonly kind: 'bubblewrap';
      /** The `bwrap` executable's path. */
      readonly bwrap: string;
      /** `bwrap --version`. */
      readonly version: string;
      /** Whether a fresh `/proc` can be mounted (else the host's stays, read-only). */
      readonly procMount: boolean;
    }
  | {
      /** Commands can be sandboxed. */
      readonly available: true;
      /** macOS: `sandbox-exec` with a generated profile (untested on a Mac by this project). */
      readonly kind: 'seatbelt';
      /** The `sandbox-exec` executable's path. */
      readonly sandboxExec: string;
    }
  | {
      /** Commands cannot be sandboxed. */
      readonly available: false;
      /** No sandbox. */
      readonly kind: 'none';
      /** Why commands cannot be sandboxed. */
      readonly reason: string;
      /** What the user can do about it. */
      readonly fix: string;
    };

/** Folders kept read-only inside every writable root, beside {@link PROTECTED_SUBFOLDERS}. */
const EXTRA_PROTECTED = ['.aws'] as const;

const run = (file: string, args: readonly string[], timeoutMs = 5_000) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(file, [...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr || error?.message || '') });
    });
  });

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** `/usr/bin/bwrap` if present, else the first `bwrap` on `PATH`. */
async function findBwrap(path: string | undefined, system: string): Promise<string | null> {
  if (await executable(system)) return system;
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'bwrap');
    if (await executable(candidate)) return candidate;
  }
  return null;
}

const PROBE_ARGS = ['--ro-bind', '/', '/', '--dev', '/dev', '--unshare-user', '--unshare-pid'];

/** The fix to suggest for a probe failure, from bwrap's message. */
function fixFor(stderr: string): string {
  if (
    /No permissions to create new namespace|user namespaces|uid map|setting up uid map/i.test(
      stderr,
    )
  )
    return 'enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu allow /usr/bin/bwrap in AppArmor: kernel.apparmor_restrict_unprivileged_userns=0), or use danger-full-access inside a container that is itself the sandbox';
  if (/apparmor|Permission denied/i.test(stderr))
    return 'AppArmor refused bubblewrap: use the system /usr/bin/bwrap (install the bubblewrap package) or add an AppArmor profile allowing it user namespaces';
  return 'check that bubblewrap works: bwrap --ro-bind / / --unshare-user --unshare-pid true';
}

/**
 * Finds bubblewrap and checks that it can create the namespaces the sandbox needs (and whether
 * it can mount a fresh /proc). Never throws: an unusable sandbox is a status with a reason and
 * a fix.
 */
export async function probeBubblewrap(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: { readonly systemBwrap?: string } = {},
): Promise<SandboxStatus> {
  if (process.platform === 'darwin' && (await executable(SANDBOX_EXEC)))
    return { available: true, kind: 'seatbelt', sandboxExec: SANDBOX_EXEC };
  if (process.platform !== 'linux')
    return {
      available: false,
      kind: 'none',
      reason: `commands can be sandboxed on Linux (bubblewrap) and macOS (Seatbelt); this is ${process.platform}`,
      fix: 'run on Linux or macOS, or use danger-full-access where the host is the sandbox',
    };
  const bwrap = await findBwrap(env.PATH, options.systemBwrap ?? SYSTEM_BWRAP);
  if (!bwrap)
    return {
      available: false,
      kind: 'none',
      reason: 'bubblewrap (bwrap) is not installed',
      fix: 'install it (Debian/Ubuntu: apt install bubblewrap; Fedora: dnf install bubblewrap)',
    };
  const version = (await run(bwrap, ['--version'])).stdout.trim();
  const withProc = await run(bwrap, [...PROBE_ARGS, '--proc', '/proc', '--', 'true']);
  if (withProc.code === 0)
    return { available: true, kind: 'bubblewrap', bwrap, version, procMount: true };
  const withoutProc = await run(bwrap, [...PROBE_ARGS, '--', 'true']);
  if (withoutProc.code === 0)
    return { available: true, kind: 'bubblewrap', bwrap, version, procMount: false };
  const stderr = withoutProc.stderr.trim() || withProc.stderr.trim();
  return {
    available: false,
    kind: 'none',
    reason: `bubblewrap (${bwrap}) cannot create a sandbox here: ${stderr.split('\n')[0] ?? 'unknown error'}`,
    fix: fixFor(stderr),
  };
}

/** The git directory a worktree's `.git` file points to, if it is one. */
async function linkedGitDir(root: string): Promise<string | null> {
  try {
    const text = await readFile(join(root, '.git'), 'utf8');
    const match = /^gitdir:\s*(.+)$/m.exec(text);
    return match?.[1] ? resolve(root, match[1].trim()) : null;
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Where a sandboxed command may write, for a policy (absolute, existing folders). */
export async function sandboxWritableRoots(
  policy: core.SandboxPolicy,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string[]> {
  if (policy.mode !== 'workspace-write') return [];
  const roots = [cwd, ...(policy.writable_roots ?? []).map((root) => resolve(cwd, root))];
  if (!policy.exclude_slash_tmp) roots.push('/tmp');
  if (!policy.exclude_tmpdir_env_var) roots.push(resolve(env.TMPDIR ?? tmpdir()));
  const unique = [...new Set(roots)];
  const present = await Promise.all(unique.map(exists));
  return unique.filter((_, index) => present[index]);
}

/**
 * The bwrap argv that runs `argv` under `policy`, with the meaning of the original's: the whole
 * filesystem read-only, the writable roots bound writable with `.git` (and a linked gitdir),
 * `.codex`, `.agents` and `.aws` inside them re-bound read-only, a private `/tmp` when `/tmp` is
 * not writable, its own user, PID and IPC namespaces, no capabilities, and no network (a
 * network namespace with only loopback) unless the policy allows it.
 */
export async function bubblewrapArgv(options: {
  readonly argv: readonly string[];
  readonly policy: core.SandboxPolicy;
  readonly cwd: string;
  readonly status: Extract<SandboxStatus, { kind: 'bubblewrap' }>;
  readonly env: Readonly<Record<string, string | undefined>>;
}): Promise<string[]> {
  const { policy, cwd, status } = options;
  const args = [
    status.bwrap,
    '--new-session',
    '--die-with-parent',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
  ];
  const roots = await sandboxWritableRoots(policy, cwd, options.env);
  if (!roots.includes('/tmp')) {
    args.push('--tmpfs', '/tmp');
    // A working directory under /tmp stays visible (read-only) over the private /tmp.
    if (isUnder('/tmp', cwd) && !roots.some((root) => isUnder(root, cwd)))
      args.push('--ro-bind', cwd, cwd);
  }
  for (const root of roots) args.push('--bind', root, root);
  for (const root of roots) {
    const protectedPaths = [...PROTECTED_SUBFOLDERS, ...EXTRA_PROTECTED].map((name) =>
      join(root, name),
    );
    const gitdir = await linkedGitDir(root);
    if (gitdir) protectedPaths.push(gitdir);
    for (const path of protectedPaths) if (await exists(path)) args.push('--ro-bind', path, path);
  }
  args.push('--unshare-user', '--unshare-pid', '--unshare-ipc');
  if (!networkAllowed(policy)) args.push('--unshare-net');
  args.push('--cap-drop', 'ALL');
  if (status.procMount) args.push('--proc', '/proc');
  args.push('--chdir', cwd, '--', ...options.argv);
  return args;
}

const isUnder = (root: string, path: string) => path === root || path.startsWith(`${root}/`);

/** Whether commands under `policy` may use the network. */
export function networkAllowed(policy: core.SandboxPolicy): boolean {
  return (
    policy.mode === 'danger-full-access' ||
    (policy.mode === 'workspace-write' && policy.network_access === true)
  );
}
