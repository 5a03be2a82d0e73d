import type { AuthDotJson } from '../auth-dot-json.js';

/** One place credentials can live. */
export interface AuthStorage {
  /** What is stored, or null when nothing is. */
  load(): Promise<AuthDotJson | null>;
  /** Replaces what is stored. */
  save(auth: AuthDotJson): Promise<void>;
  /** Removes what is stored; true when something was removed. */
  delete(): Promise<boolean>;
  /**
   * Read-modify-write as one step: `change` gets the current value and returns the new one (or
   * null to delete). Concurrent updates, in this process or others, never lose each other's writes.
   */
  update(
    change: (current: AuthDotJson | null) => AuthDotJson | null | Promise<AuthDotJson | null>,
  ): Promise<AuthDotJson | null>;
}
