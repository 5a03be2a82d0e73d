import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * `flock(2)` through koffi, a maintained FFI binding with prebuilt binaries for every
 * platform Node runs on (so installing needs no compiler). The original Codex takes BSD
 * `flock` locks (Rust's `File::lock`), and on Linux those do not interact with `fcntl` or
 * open-file-description locks: to exclude the original we must call `flock` itself, which the
 * dedicated lock bindings on npm do not (they use `fcntl`/OFD locks) or do only through an
 * unmaintained, compile-from-source addon.
 */
export interface Flock {
  /** Tries to take an exclusive lock without waiting: true when taken, false when held elsewhere. */
  tryLockExclusive(fd: number): boolean;
}

const LOCK_EX = 2;
const LOCK_NB = 4;
const EINTR = 4;

/** errno values meaning "someone else holds it" (EWOULDBLOCK is EAGAIN on Linux and macOS). */
const BUSY = new Set([11, 35]);

/** Where each platform keeps `flock`. */
const LIBC_CANDIDATES: Readonly<Partial<Record<NodeJS.Platform, readonly string[]>>> = {
  linux: ['libc.so.6', 'libc.so'],
  darwin: ['libSystem.B.dylib', '/usr/lib/libSystem.B.dylib'],
  freebsd: ['libc.so.7'],
  openbsd: ['libc.so'],
  netbsd: ['libc.so'],
};

type Koffi = typeof import('koffi');

let loaded: { flock: Flock } | { error: Error } | undefined;

/**
 * Where to resolve koffi from: this module (`import.meta.url`, which our CJS build shims too);
 * inside someone else's CommonJS bundle, which has no `import.meta`, the running script.
 */
function moduleUrl(): string {
  const url = (import.meta as { url?: string }).url;
  if (url) return url;
  return pathToFileURL(process.argv[1] ?? `${process.cwd()}/`).href;
}

/**
 * The platform's `flock`, loaded on first use; an Error saying why when this platform has none
 * (Windows, or a libc koffi cannot open).
 */
export function loadFlock(): Flock | Error {
  loaded ??= tryLoad();
  return 'flock' in loaded ? loaded.flock : loaded.error;
}

function tryLoad(): { flock: Flock } | { error: Error } {
  const candidates = LIBC_CANDIDATES[process.platform];
  if (!candidates) return { error: new Error(`flock is not available on ${process.platform}`) };
  let koffi: Koffi;
  try {
    // A native module: required lazily so that importing this package never loads it.
    koffi = createRequire(moduleUrl())('koffi') as Koffi;
  } catch (cause) {
    return { error: new Error('the koffi native module could not be loaded', { cause }) };
  }
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      const libc = koffi.load(name);
      const call = libc.func('int flock(int fd, int operation)') as (
        fd: number,
        op: number,
      ) => number;
      return {
        flock: {
          tryLockExclusive(fd) {
            for (;;) {
              if (call(fd, LOCK_EX | LOCK_NB) === 0) return true;
              const errno = koffi.errno();
              if (BUSY.has(errno)) return false;
              if (errno !== EINTR) throw new Error(`flock failed with errno ${errno}`);
            }
          },
        },
      };
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  return { error: new Error(`no C library with flock could be opened (${failures.join('; ')})`) };
}
