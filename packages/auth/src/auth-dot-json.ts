import { z } from 'zod';
import { AuthStorageError } from './errors.js';
import { type IdTokenInfo, IdTokenInfoError, parseChatgptJwtClaims } from './jwt.js';

/** How the user authenticated. `chatgptAuthTokens` are tokens handed in by a host app. */
export const AUTH_MODES = ['apikey', 'chatgpt', 'chatgptAuthTokens'] as const;
/** How the user authenticated. */
export type AuthMode = (typeof AUTH_MODES)[number];

/** Where credentials are kept (`cli_auth_credentials_store` in config.toml). */
export const AUTH_CREDENTIALS_STORE_MODES = ['file', 'keyring', 'auto', 'ephemeral'] as const;
/** Where credentials are kept. */
export type AuthCredentialsStoreMode = (typeof AUTH_CREDENTIALS_STORE_MODES)[number];

/** ChatGPT tokens. */
export interface TokenData {
  /** Claims of the id token; its `rawJwt` is what is stored. */
  readonly idToken: IdTokenInfo;
  /** The OAuth access token sent as the bearer token to the ChatGPT backend. */
  readonly accessToken: string;
  /** Trades for a new access token when the current one expires. */
  readonly refreshToken: string;
  /** The ChatGPT account (workspace) the tokens act for, or `null` when unknown. */
  readonly accountId: string | null;
}

/** The contents of `$CODEX_HOME/auth.json`, in memory. */
export interface AuthDotJson {
  /** The mode written in the file; absent in older files, see {@link resolvedMode}. */
  readonly authMode?: AuthMode;
  /** The API key (`OPENAI_API_KEY` in the file), or `null` when signed in with ChatGPT. */
  readonly openaiApiKey: string | null;
  /** The ChatGPT tokens, when signed in with ChatGPT. */
  readonly tokens?: TokenData;
  /** When the tokens were last refreshed, RFC 3339, kept exactly as stored. */
  readonly lastRefresh?: string;
  /** Top-level keys this version does not know, kept so that re-saving loses nothing. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The on-disk layout, as the original writes it. */
const AuthFileSchema = z.looseObject({
  auth_mode: z.enum(AUTH_MODES).nullish(),
  OPENAI_API_KEY: z.string().nullish(),
  tokens: z
    .object({
      id_token: z.string(),
      access_token: z.string(),
      refresh_token: z.string(),
      account_id: z.string().nullish(),
    })
    .nullish(),
  last_refresh: z.string().nullish(),
});

const KNOWN_KEYS = new Set(['auth_mode', 'OPENAI_API_KEY', 'tokens', 'last_refresh']);

/** The mode in force: the explicit one, else `apikey` when a key is present, else `chatgpt`. */
export function resolvedMode(auth: AuthDotJson): AuthMode {
  if (auth.authMode) return auth.authMode;
  return auth.openaiApiKey !== null ? 'apikey' : 'chatgpt';
}

/** Where `auth` must be stored: externally supplied ChatGPT tokens never leave memory. */
export function storageMode(
  auth: AuthDotJson,
  configured: AuthCredentialsStoreMode,
): AuthCredentialsStoreMode {
  return resolvedMode(auth) === 'chatgptAuthTokens' ? 'ephemeral' : configured;
}

/**
 * Reads auth.json text. `source` names the file (or keyring entry) in errors, which say which
 * field is wrong; nothing is modified.
 */
export function parseAuthDotJson(text: string, source: string): AuthDotJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new AuthStorageError(
      'corrupt',
      `${source} is not valid JSON (${syntaxErrorPlace(text, cause)}); it was left untouched: fix or delete it, or log in again`,
    );
  }
  const parsed = AuthFileSchema.safeParse(value);
  if (!parsed.success) {
    // Names the fields and what they should hold, never what they hold (they are secrets).
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new AuthStorageError(
      'corrupt',
      `${source} has an unexpected shape (${issues}); it was left untouched`,
    );
  }
  const file = parsed.data;
  let tokens: TokenData | undefined;
  if (file.tokens) {
    let idToken: IdTokenInfo;
    try {
      idToken = parseChatgptJwtClaims(file.tokens.id_token);
    } catch (cause) {
      if (!IdTokenInfoError.isInstance(cause)) throw cause;
      throw new AuthStorageError(
        'corrupt',
        `${source}: tokens.id_token is not a readable JWT (${cause.message})`,
        {
          cause,
        },
      );
    }
    tokens = {
      idToken,
      accessToken: file.tokens.access_token,
      refreshToken: file.tokens.refresh_token,
      accountId: file.tokens.account_id ?? null,
    };
  }
  const extra: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (!KNOWN_KEYS.has(key)) extra[key] = entry;
  }
  return {
    ...(file.auth_mode ? { authMode: file.auth_mode } : {}),
    openaiApiKey: file.OPENAI_API_KEY ?? null,
    ...(tokens ? { tokens } : {}),
    ...(file.last_refresh ? { lastRefresh: file.last_refresh } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

/**
 * Where JSON.parse gave up, as `line L column C`, without the text around it: V8's own message
 * quotes the input, which here may be a key (or, through a symlink, some other file).
 */
function syntaxErrorPlace(text: string, cause: unknown): string {
  const message = cause instanceof Error ? cause.message : '';
  const position = /position (\d+)/.exec(message)?.[1];
  const offset =
    position !== undefined ? Number(position) : /end of JSON/.test(message) ? text.length : 0;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return /end of JSON/.test(message) || offset >= text.length
    ? `the text ends early, at line ${line} column ${column}`
    : `unexpected character at line ${line} column ${column}`;
}

/** The on-disk object, keys in the original's order. */
export function toAuthFileObject(auth: AuthDotJson): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (auth.authMode) out.auth_mode = auth.authMode;
  out.OPENAI_API_KEY = auth.openaiApiKey;
  if (auth.tokens) {
    out.tokens = {
      id_token: auth.tokens.idToken.rawJwt,
      access_token: auth.tokens.accessToken,
      refresh_token: auth.tokens.refreshToken,
      account_id: auth.tokens.accountId,
    };
  }
  if (auth.lastRefresh) out.last_refresh = auth.lastRefresh;
  for (const [key, value] of Object.entries(auth.extra ?? {})) {
    if (!KNOWN_KEYS.has(key)) out[key] = value;
  }
  return out;
}

/** auth.json text exactly as the original writes it (pretty JSON, two spaces, no final newline). */
export function serializeAuthDotJson(auth: AuthDotJson): string {
  return JSON.stringify(toAuthFileObject(auth), null, 2);
}
