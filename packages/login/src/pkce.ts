import { createHash, randomBytes } from 'node:crypto';

/** A PKCE pair (RFC 7636, S256). */
export interface PkceCodes {
  /** Sent with the token request; never leaves this process before that. */
  readonly codeVerifier: string;
  /** `BASE64URL(SHA256(codeVerifier))`, sent in the authorize URL. */
  readonly codeChallenge: string;
}

/** A fresh verifier (64 random bytes, base64url: 86 characters) and its S256 challenge. */
export function generatePkce(): PkceCodes {
  const codeVerifier = randomBytes(64).toString('base64url');
  return { codeVerifier, codeChallenge: pkceChallenge(codeVerifier) };
}

/** The S256 challenge of a verifier. */
export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}

/** A random `state` value (32 bytes, base64url). */
export function generateState(): string {
  return randomBytes(32).toString('base64url');
}
