import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';

/**
 * The keyring account (and ephemeral map key) for a `CODEX_HOME`: `cli|` plus the first 16 hex
 * digits of the SHA-256 of its canonical path, as the original computes it, so both find the
 * same entry.
 */
export function computeStoreKey(codexHome: string): string {
  let canonical: string;
  try {
    canonical = realpathSync(codexHome);
  } catch {
    // As the original: the path as given when it cannot be canonicalized.
    canonical = codexHome;
  }
  const digest = createHash('sha256').update(canonical, 'utf8').digest('hex');
  return `cli|${digest.slice(0, 16)}`;
}
