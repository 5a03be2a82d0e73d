import { type AuthDotJson, parseAuthDotJson, toAuthFileObject } from '../auth-dot-json.js';
import { AuthStorageError } from '../errors.js';
import { computeStoreKey } from '../store-key.js';
import type { AuthStorage } from './backend.js';

/** The keyring service name the original uses. */
export const KEYRING_SERVICE = 'Codex Auth';

/** The three keyring calls storage needs; keytar provides them. */
export interface KeyringBackend {
  /** The secret stored for `service` and `account`, or `null` if there is none. */
  getPassword(service: string, account: string): Promise<string | null>;
  /** Creates or replaces the secret for `service` and `account`. */
  setPassword(service: string, account: string, password: string): Promise<void>;
  /** Removes the secret; resolves `false` if there was none. */
  deletePassword(service: string, account: string): Promise<boolean>;
}

let keytarLoad: Promise<KeyringBackend> | undefined;

/** Loads keytar on first use (it is an optional native dependency). */
export function loadKeytar(): Promise<KeyringBackend> {
  keytarLoad ??= import('keytar').then(
    (module) => {
      const candidate = ((module as { default?: unknown }).default ??
        module) as Partial<KeyringBackend>;
      if (typeof candidate.getPassword !== 'function') throw new Error('keytar has no getPassword');
      return candidate as KeyringBackend;
    },
    (cause: unknown) => {
      keytarLoad = undefined;
      throw new AuthStorageError(
        'keyring_unavailable',
        'the OS keyring needs the optional dependency keytar, which is not installed or failed to build ' +
          `(${(cause as Error).message}); on Linux install libsecret-1-dev and reinstall, or set ` +
          'cli_auth_credentials_store = "file"',
        { cause },
      );
    },
  );
  return keytarLoad;
}

/** Turns a keyring failure into an error that says what is missing and how to fix it. */
function keyringError(action: string, cause: unknown): AuthStorageError {
  if (AuthStorageError.isInstance(cause)) return cause;
  const text = cause instanceof Error ? cause.message : String(cause);
  if (
    /d-?bus|x11|secret ?service|org\.freedesktop\.secrets|no such interface|not provided by any \.service/i.test(
      text,
    )
  ) {
    return new AuthStorageError(
      'keyring_unavailable',
      `cannot ${action}: no Secret Service is reachable on the D-Bus session bus (${text}). Run inside a ` +
        'desktop session or start one with `dbus-run-session` and an unlocked gnome-keyring-daemon, or set ' +
        'cli_auth_credentials_store = "file"',
      { cause },
    );
  }
  return new AuthStorageError('keyring_failed', `cannot ${action}: ${text}`, { cause });
}

/** Credentials as one JSON entry in the OS keyring: service `Codex Auth`, account = store key. */
export class KeyringAuthStorage implements AuthStorage {
  /** The keyring account: the store key derived from `codexHome`. */
  readonly account: string;
  private readonly backend: () => Promise<KeyringBackend>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(codexHome: string, options: { backend?: KeyringBackend } = {}) {
    this.account = computeStoreKey(codexHome);
    const given = options.backend;
    this.backend = given ? async () => given : loadKeytar;
  }

  async load(): Promise<AuthDotJson | null> {
    const keyring = await this.backend();
    let text: string | null;
    try {
      text = await keyring.getPassword(KEYRING_SERVICE, this.account);
    } catch (cause) {
      throw keyringError('read credentials from the keyring', cause);
    }
    return text === null
      ? null
      : parseAuthDotJson(text, `keyring entry "${KEYRING_SERVICE}" / "${this.account}"`);
  }

  async save(auth: AuthDotJson): Promise<void> {
    const keyring = await this.backend();
    try {
      await keyring.setPassword(
        KEYRING_SERVICE,
        this.account,
        JSON.stringify(toAuthFileObject(auth)),
      );
    } catch (cause) {
      throw keyringError('write credentials to the keyring', cause);
    }
  }

  async delete(): Promise<boolean> {
    const keyring = await this.backend();
    try {
      return await keyring.deletePassword(KEYRING_SERVICE, this.account);
    } catch (cause) {
      throw keyringError('delete credentials from the keyring', cause);
    }
  }

  /** Serialized within this process; the keyring offers no cross-process lock. */
  update(
    change: (current: AuthDotJson | null) => AuthDotJson | null | Promise<AuthDotJson | null>,
  ): Promise<AuthDotJson | null> {
    const run = this.queue.then(async () => {
      const next = await change(await this.load());
      if (next === null) await this.delete();
      else await this.save(next);
      return next;
    });
    this.queue = run.catch(() => {});
    return run;
  }
}
