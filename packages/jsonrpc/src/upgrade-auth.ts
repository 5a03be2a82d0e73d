import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errors as joseErrors, jwtVerify } from 'jose';

/** How WebSocket clients must authenticate, checked on the HTTP upgrade. */
export type WebSocketAuth =
  | {
      /** Any client that can reach the port is accepted. Only for trusted networks. */
      readonly mode: 'none';
    }
  | {
      /** `Authorization: Bearer <token>`, compared (as SHA-256 digests) in constant time. */
      readonly mode: 'capability-token';
      /** The SHA-256 digest of the expected token (32 bytes). */
      readonly tokenSha256: Buffer;
    }
  | {
      /** `Authorization: Bearer <jwt>`: an HS256 JWT signed with the shared secret. */
      readonly mode: 'signed-bearer-token';
      /** The HS256 shared secret, at least 32 bytes. */
      readonly secret: Uint8Array;
      /** The `iss` claim required, when set. */
      readonly issuer?: string;
      /** The `aud` claim required, when set. */
      readonly audience?: string;
      /** Tolerance for `exp`/`nbf`/`iat`. Default 30 s. */
      readonly maxClockSkewSeconds?: number;
    };

/** The checks of a signed bearer token beside its signature. */
export interface SignedBearerTokenChecks {
  /** The `iss` claim required, when set. */
  readonly issuer?: string;
  /** The `aud` claim required, when set. */
  readonly audience?: string;
  /** Tolerance for `exp`/`nbf`/`iat`, in seconds. Default 30. */
  readonly maxClockSkewSeconds?: number;
}

/** The outcome of checking an upgrade request. */
export type AuthDecision =
  | {
      /** The client may connect. */
      readonly ok: true;
    }
  | {
      /** The upgrade is refused with 401. */
      readonly ok: false;
      /** Why; logged, and sent as the text of the 401 response. */
      readonly reason: string;
    };

/** Tolerance for `exp`/`nbf`/`iat` when none is configured. */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 30;

/** HS256 wants a key at least as long as its hash: shorter secrets are refused, as the original does. */
const MIN_SHARED_SECRET_BYTES = 32;

const sha256 = (value: string | Uint8Array) => createHash('sha256').update(value).digest();

/** Capability-token auth from the token itself. */
export function capabilityTokenAuth(token: string): WebSocketAuth {
  if (token.length === 0) throw new Error('the capability token must not be empty');
  return { mode: 'capability-token', tokenSha256: sha256(token) };
}

/** Capability-token auth from a hex SHA-256 digest of the token. */
export function capabilityTokenSha256Auth(hex: string): WebSocketAuth {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error('--ws-token-sha256 must be a 64-character hex SHA-256 digest');
  }
  return { mode: 'capability-token', tokenSha256: Buffer.from(hex, 'hex') };
}

/**
 * A secret file's content without surrounding whitespace. A relative path is resolved against
 * the working directory, as the original does.
 */
async function readSecretFile(file: string): Promise<string> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new Error(
      `failed to read websocket auth secret ${absolute}: ${(error as Error).message}`,
    );
  }
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new Error(`websocket auth secret ${absolute} must not be empty`);
  return trimmed;
}

/** Capability-token auth from a token file (surrounding whitespace is ignored). */
export async function capabilityTokenFileAuth(file: string): Promise<WebSocketAuth> {
  return capabilityTokenAuth(await readSecretFile(file));
}

/** Signed-bearer-token auth with the shared secret read from a file (at least 32 bytes). */
export async function signedBearerTokenFileAuth(
  file: string,
  checks: SignedBearerTokenChecks = {},
): Promise<WebSocketAuth> {
  const secret = new TextEncoder().encode(await readSecretFile(file));
  if (secret.length < MIN_SHARED_SECRET_BYTES) {
    throw new Error(
      `signed websocket bearer secret ${path.resolve(file)} must be at least ${MIN_SHARED_SECRET_BYTES} bytes`,
    );
  }
  return { mode: 'signed-bearer-token', secret, ...checks };
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}

/** Checks an upgrade request's `Authorization` header against `auth`. */
export async function authorizeUpgrade(
  auth: WebSocketAuth,
  authorization: string | undefined,
): Promise<AuthDecision> {
  if (auth.mode === 'none') return { ok: true };
  const token = bearerToken(authorization);
  if (!token) return { ok: false, reason: 'missing websocket bearer token' };
  if (auth.mode === 'capability-token') {
    return timingSafeEqual(sha256(token), auth.tokenSha256)
      ? { ok: true }
      : { ok: false, reason: 'invalid websocket bearer token' };
  }
  try {
    await jwtVerify(token, auth.secret, {
      algorithms: ['HS256'],
      issuer: auth.issuer,
      audience: auth.audience,
      clockTolerance: auth.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS,
      requiredClaims: ['exp'],
    });
    return { ok: true };
  } catch (error) {
    const detail =
      error instanceof joseErrors.JOSEError ? `${error.code}: ${error.message}` : String(error);
    return { ok: false, reason: `invalid websocket bearer token (${detail})` };
  }
}
