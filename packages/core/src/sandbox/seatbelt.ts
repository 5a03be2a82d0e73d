import { realpathSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { core } from '@codex/protocol';
import { PROTECTED_SUBFOLDERS } from './assessment.js';

/**
 * The only `sandbox-exec` trusted: one found on `PATH` could be an impostor, while replacing
 * this one already takes root.
 */
export const SANDBOX_EXEC = '/usr/bin/sandbox-exec';

/** What a Seatbelt profile is generated from. */
export interface SeatbeltOptions {
  readonly policy: core.SandboxPolicy;
  /** The folder the command runs in; writable under `workspace-write`. */
  readonly cwd: string;
  /**
   * `$TMPDIR`, writable under `workspace-write` unless `exclude_tmpdir_env_var`. Defaults to the
   * environment's; an empty or relative value means none.
   */
  readonly tmpdir?: string;
  /**
   * The per-user cache folder (`getconf DARWIN_USER_CACHE_DIR`). With network access, TLS and
   * DNS helpers write there, so it is made writable when given.
   */
  readonly darwinUserCacheDir?: string;
  /**
   * Resolves symlinks in a path. Seatbelt matches resolved paths (`/tmp` is `/private/tmp`,
   * `$TMPDIR` lives under `/private/var`), so every path passed as a parameter goes through this.
   * Defaults to the file system's real path, or the path unchanged when it does not exist.
   */
  readonly canonicalize?: (path: string) => string;
}

/** A profile for `sandbox-exec -p`, and the `-D` parameters its `(param …)` forms read. */
export interface SeatbeltProfile {
  readonly profile: string;
  /** Parameter name to path, in the order they are passed. */
  readonly params: Record<string, string>;
}

function realPathOrSelf(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

/**
 * Always allowed. Deny by default, then let commands run programs, read what runtimes and build
 * tools commonly probe (a fixed list of sysctls, preferences, user lookups), use POSIX semaphores
 * and pseudo-terminals, and write to `/dev/null`. Files and network come after, per policy.
 */
const BASE_POLICY = `(version 1)

; codex-ts sandbox: anything not allowed below is denied.
(deny default)

; Processes: start programs and fork (children inherit this profile), and signal or
; inspect processes inside the same sandbox.
(allow process-exec)
(allow process-fork)
(allow signal (target same-sandbox))
(allow process-info* (target same-sandbox))

; Host facts that runtimes query (os.cpus() in Node reads processor info).
(allow mach-host*)
(allow user-preference-read)

; Kernel values commonly read by runtimes and build tools.
(allow sysctl-read
  (sysctl-name "hw.activecpu")
  (sysctl-name "hw.busfrequency_compat")
  (sysctl-name "hw.byteorder")
  (sysctl-name "hw.cacheconfig")
  (sysctl-name "hw.cachelinesize_compat")
  (sysctl-name "hw.cpufamily")
  (sysctl-name "hw.cpufrequency")
  (sysctl-name "hw.cpufrequency_compat")
  (sysctl-name "hw.cputype")
  (sysctl-name "hw.l1dcachesize_compat")
  (sysctl-name "hw.l1icachesize_compat")
  (sysctl-name "hw.l2cachesize_compat")
  (sysctl-name "hw.l3cachesize_compat")
  (sysctl-name "hw.logicalcpu")
  (sysctl-name "hw.logicalcpu_max")
  (sysctl-name "hw.machine")
  (sysctl-name "hw.memsize")
  (sysctl-name "hw.model")
  (sysctl-name "hw.ncpu")
  (sysctl-name "hw.nperflevels")
  (sysctl-name "hw.packages")
  (sysctl-name "hw.pagesize")
  (sysctl-name "hw.pagesize_compat")
  (sysctl-name "hw.physicalcpu")
  (sysctl-name "hw.physicalcpu_max")
  (sysctl-name "hw.tbfrequency_compat")
  (sysctl-name "hw.vectorunit")
  (sysctl-name-prefix "hw.optional.arm.")
  (sysctl-name-prefix "hw.optional.armv8_")
  (sysctl-name-prefix "hw.perflevel")
  (sysctl-name "kern.argmax")
  (sysctl-name "kern.hostname")
  (sysctl-name "kern.maxfilesperproc")
  (sysctl-name "kern.maxproc")
  (sysctl-name "kern.osproductversion")
  (sysctl-name "kern.osrelease")
  (sysctl-name "kern.ostype")
  (sysctl-name "kern.osvariant_status")
  (sysctl-name "kern.osversion")
  (sysctl-name "kern.secure_kernel")
  (sysctl-name "kern.usrstack64")
  (sysctl-name "kern.version")
  (sysctl-name-prefix "kern.proc.pgrp.")
  (sysctl-name-prefix "kern.proc.pid.")
  (sysctl-name "machdep.cpu.brand_string")
  (sysctl-name-prefix "net.routetable.")
  (sysctl-name "sysctl.proc_cputype")
  (sysctl-name "vm.loadavg"))

; Java reads the CPU type through a sysctl that counts as a write.
(allow sysctl-write (sysctl-name "kern.grade_cputype"))

; Power-management queries, and user and group lookups through opendirectoryd.
(allow iokit-open (iokit-registry-entry-class "RootDomainUserClient"))
(allow mach-lookup
  (global-name "com.apple.PowerManagement.control")
  (global-name "com.apple.system.opendirectoryd.libinfo"))

; POSIX semaphores (Python multiprocessing locks).
(allow ipc-posix-sem)

; Pseudo-terminals: open new ones, and use terminals opened before the sandbox began.
(allow pseudo-tty)
(allow file-read* file-write* file-ioctl (literal "/dev/ptmx"))
(allow file-read* file-write*
  (require-all (regex #"^/dev/ttys[0-9]+") (extension "com.apple.sandbox.pty")))
(allow file-write-data
  (require-all (regex #"^/dev/ttys[0-9]+") (vnode-type CHARACTER-DEVICE)))
(allow file-ioctl (regex #"^/dev/ttys[0-9]+"))

; Discarding output is always allowed.
(allow file-write-data
  (require-all (path "/dev/null") (vnode-type CHARACTER-DEVICE)))
`;

const READ_POLICY = `
; Files: reading is allowed everywhere.
(allow file-read*)
`;

const FULL_WRITE_POLICY = `
; Files: writing is allowed everywhere.
(allow file-write* (subpath "/"))
`;

/** Sockets, plus the system services that DNS, TLS certificate checks and proxies go through. */
const NETWORK_POLICY = `
; Network: allowed.
(allow network-outbound)
(allow network-inbound)
(allow system-socket)
(allow mach-lookup
  (global-name "com.apple.bsd.dirhelper")
  (global-name "com.apple.networkd")
  (global-name "com.apple.ocspd")
  (global-name "com.apple.SecurityServer")
  (global-name "com.apple.system.opendirectoryd.membership")
  (global-name "com.apple.SystemConfiguration.configd")
  (global-name "com.apple.SystemConfiguration.DNSConfiguration")
  (global-name "com.apple.trustd.agent"))
(allow sysctl-read (sysctl-name-regex #"^net.routetable"))
`;

const CACHE_DIR_PARAM = 'DARWIN_USER_CACHE_DIR';
const CACHE_DIR_POLICY = `(allow file-write* (subpath (param "${CACHE_DIR_PARAM}")))
`;

const rootParam = (index: number) => `WRITABLE_ROOT_${index}`;
const protectedParam = (index: number, subIndex: number) => `WRITABLE_ROOT_${index}_RO_${subIndex}`;

/**
 * The folders `policy` lets commands write, before symlinks are resolved, in the original's
 * order (which fixes the parameter names): configured roots, the cwd, `/tmp`, `$TMPDIR`.
 */
function writableRootsOf(policy: core.SandboxPolicy, cwd: string, tmpdir: string | undefined) {
  if (policy.mode !== 'workspace-write') return [];
  const roots = (policy.writable_roots ?? []).map((root) => resolve(cwd, root));
  roots.push(resolve(cwd));
  if (!policy.exclude_slash_tmp) roots.push('/tmp');
  if (!policy.exclude_tmpdir_env_var && tmpdir && isAbsolute(tmpdir)) roots.push(resolve(tmpdir));
  return roots;
}

/** The `(allow file-write* …)` form for the writable roots, with the parameters it reads. */
function writeRootsPolicy(roots: readonly string[]): SeatbeltProfile {
  const params: Record<string, string> = {};
  const clauses = roots.map((root, index) => {
    params[rootParam(index)] = root;
    const lines = [`  (require-all`, `    (subpath (param "${rootParam(index)}"))`];
    for (const [subIndex, name] of PROTECTED_SUBFOLDERS.entries()) {
      params[protectedParam(index, subIndex)] = join(root, name);
      lines.push(`    (require-not (subpath (param "${protectedParam(index, subIndex)}")))`);
    }
    return `${lines.join('\n')})`;
  });
  const profile = `
; Files: writing is allowed only inside the writable roots, and never inside their
; ${PROTECTED_SUBFOLDERS.join(', ')} folders.
(allow file-write*
${clauses.join('\n')})
`;
  return { profile, params };
}

/**
 * The Seatbelt profile for running a command under `policy` on macOS, with the meaning of the
 * original's: everything readable; nothing writable under `read-only`; under `workspace-write`
 * only the writable roots (configured roots, cwd, `/tmp` and `$TMPDIR` unless excluded), with
 * `.git`, `.codex` and `.agents` inside each kept read-only; everything writable under
 * `danger-full-access`. Network is allowed with `network_access` and under `danger-full-access`.
 *
 * Paths never appear in the profile text: each root is a `-D` parameter, so the text depends
 * only on the policy's shape.
 */
export function seatbeltProfile(options: SeatbeltOptions): SeatbeltProfile {
  const { policy } = options;
  const canonicalize = options.canonicalize ?? realPathOrSelf;
  const tmpdir = 'tmpdir' in options ? options.tmpdir : process.env.TMPDIR;
  const params: Record<string, string> = {};
  let profile = BASE_POLICY + READ_POLICY;

  if (policy.mode === 'danger-full-access') profile += FULL_WRITE_POLICY;
  else if (policy.mode === 'workspace-write') {
    const resolved = writableRootsOf(policy, options.cwd, tmpdir).map(canonicalize);
    const write = writeRootsPolicy([...new Set(resolved)]);
    profile += write.profile;
    Object.assign(params, write.params);
  }

  const network =
    policy.mode === 'danger-full-access' ||
    (policy.mode === 'workspace-write' && policy.network_access === true);
  if (network) {
    profile += NETWORK_POLICY;
    if (options.darwinUserCacheDir) {
      profile += CACHE_DIR_POLICY;
      params[CACHE_DIR_PARAM] = canonicalize(resolve(options.darwinUserCacheDir));
    }
  }
  return { profile, params };
}

/** The argv that runs `argv` under `sandbox-exec` with the profile for `options`. */
export function seatbeltCommand(argv: readonly string[], options: SeatbeltOptions): string[] {
  const { profile, params } = seatbeltProfile(options);
  const defines = Object.entries(params).flatMap(([name, path]) => ['-D', `${name}=${path}`]);
  return [SANDBOX_EXEC, '-p', profile, ...defines, '--', ...argv];
}
