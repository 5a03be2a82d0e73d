/** strerror texts, as the original prints them (Rust's `io::Error` display), by errno code. */
const STRERROR: Readonly<Record<string, string>> = {
  EACCES: 'Permission denied',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  EMFILE: 'Too many open files',
  ENAMETOOLONG: 'File name too long',
  ENOENT: 'No such file or directory',
  ENOSPC: 'No space left on device',
  ENOTDIR: 'Not a directory',
  ENOTEMPTY: 'Directory not empty',
  EPERM: 'Operation not permitted',
  EROFS: 'Read-only file system',
  EXDEV: 'Invalid cross-device link',
};

/** Code of a file that is not valid UTF-8, on errors from {@link decodeUtf8}. */
const INVALID_UTF8 = 'INVALID_UTF8';

const errnoCode = (error: unknown): string | undefined => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** True for the error of a file or folder that does not exist. */
export const isMissing = (error: unknown) => errnoCode(error) === 'ENOENT';

/**
 * A file-system error as the original words it: `No such file or directory (os error 2)`
 * rather than Node's `ENOENT: no such file or directory, open '...'`.
 */
export function describeIoError(error: unknown): string {
  const code = errnoCode(error);
  const text = code === undefined ? undefined : STRERROR[code];
  if (text === undefined) return error instanceof Error ? error.message : String(error);
  const errno = (error as NodeJS.ErrnoException).errno;
  return typeof errno === 'number' ? `${text} (os error ${Math.abs(errno)})` : text;
}

/**
 * `bytes` as UTF-8 text, a byte order mark kept. Invalid UTF-8 is an error (with the original's
 * wording) unless `lossy`, where it becomes U+FFFD.
 */
export function decodeUtf8(bytes: Uint8Array, lossy: boolean): string {
  try {
    return new TextDecoder('utf-8', { fatal: !lossy, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw Object.assign(new Error('stream did not contain valid UTF-8', { cause: error }), {
      code: INVALID_UTF8,
    });
  }
}
