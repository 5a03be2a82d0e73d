import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';

/** Suffixes Windows runs without being named, dropped when comparing program names there. */
const WINDOWS_EXECUTABLE_SUFFIXES = ['.exe', '.cmd', '.bat', '.com'];

/**
 * The key rules are looked up by for a program name: the name itself, or on Windows the name
 * lower-cased without trailing dots, blanks and an executable suffix (`Git.EXE` → `git`).
 */
export function executableLookupKey(name: string): string {
  if (process.platform !== 'win32') return name;
  const lower = name.replace(/[ .]+$/, '').toLowerCase();
  const suffix = WINDOWS_EXECUTABLE_SUFFIXES.find((candidate) => lower.endsWith(candidate));
  return suffix === undefined ? lower : lower.slice(0, -suffix.length);
}

/** The lookup key of an absolute program path's file name, or null when it has none. */
export function executablePathLookupKey(path: string): string | null {
  const name = basename(path);
  return name === '' ? null : executableLookupKey(name);
}

/**
 * `raw` as an absolute, normalised path: absolute paths as they are, `~/...` under the user's
 * home. Null for anything else (a relative path, or `~user/...`).
 */
export function hostExecutablePath(raw: string): string | null {
  if (raw.startsWith('~/')) return resolve(join(homedir(), raw.slice(2)));
  return isAbsolute(raw) ? resolve(raw) : null;
}

/** True for a bare program name: not empty, no directory part, not `.` or `..`. */
export function isBareExecutableName(name: string): boolean {
  if (name === '' || name === '.' || name === '..') return false;
  return !name.includes('/') && !(process.platform === 'win32' && name.includes('\\'));
}
