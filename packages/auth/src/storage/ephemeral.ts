import type { AuthDotJson } from '../auth-dot-json.js';
import { computeStoreKey } from '../store-key.js';
import type { AuthStorage } from './backend.js';

const GLOBAL_KEY = Symbol.for('codex.auth.ephemeralStore');
type Store = Map<string, AuthDotJson>;

/** One map for the whole process, even when several copies of this package are loaded. */
function processStore(): Store {
  const holder = globalThis as { [GLOBAL_KEY]?: Store };
  holder[GLOBAL_KEY] ??= new Map();
  return holder[GLOBAL_KEY];
}

/** Credentials kept in memory for this process only, keyed by store key. */
export class EphemeralAuthStorage implements AuthStorage {
  /** The store key derived from `codexHome`; one entry per Codex home. */
  readonly key: string;

  constructor(codexHome: string) {
    this.key = computeStoreKey(codexHome);
  }

  async load(): Promise<AuthDotJson | null> {
    return processStore().get(this.key) ?? null;
  }

  async save(auth: AuthDotJson): Promise<void> {
    processStore().set(this.key, auth);
  }

  async delete(): Promise<boolean> {
    return processStore().delete(this.key);
  }

  async update(
    change: (current: AuthDotJson | null) => AuthDotJson | null | Promise<AuthDotJson | null>,
  ): Promise<AuthDotJson | null> {
    const next = await change(await this.load());
    if (next === null) await this.delete();
    else await this.save(next);
    return next;
  }
}
