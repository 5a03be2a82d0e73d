import {
  type AuthCredentialsStoreMode,
  type KeyringBackend,
  loadAuthDotJson,
  planTypeToString,
} from '@codex/auth';
import type { Logger } from '@codex/common';

/** Options of {@link loginStatus}. */
export interface LoginStatusOptions {
  /** The Codex home directory whose credentials are read. */
  readonly codexHome: string;
  /** Default `file`. */
  readonly storeMode?: AuthCredentialsStoreMode;
  /** The keyring to use instead of keytar (tests, other platforms). */
  readonly keyring?: KeyringBackend;
  /** Where recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
}

/** Who is logged in, as `codex login status` reports it. */
export type LoginStatus =
  | {
      /** No credentials are stored. */
      readonly loggedIn: false;
    }
  | {
      /** Credentials are stored. */
      readonly loggedIn: true;
      /** Signed in with an API key. */
      readonly mode: 'apikey';
      /** The key masked as {@link maskApiKey} does. */
      readonly apiKeyHint: string;
    }
  | {
      /** Credentials are stored. */
      readonly loggedIn: true;
      /** Signed in with ChatGPT (`chatgptAuthTokens`: tokens handed in by a host app). */
      readonly mode: 'chatgpt' | 'chatgptAuthTokens';
      /** The account's email, from the id token. */
      readonly email: string | null;
      /** The ChatGPT account (workspace) id. */
      readonly accountId: string | null;
      /** The ChatGPT plan, such as `plus` or `pro`. */
      readonly planType: string | null;
    };

/**
 * An API key as the original shows it: `***` for 13 characters or fewer, else the first 8,
 * `***` and the last 5 (`sk-proj-***23456`). Counted in characters, so a non-ASCII key never
 * breaks (the original panics and prints it whole).
 */
export function maskApiKey(key: string): string {
  const characters = [...key];
  if (characters.length <= 13) return '***';
  return `${characters.slice(0, 8).join('')}***${characters.slice(-5).join('')}`;
}

/** The stored login (never the secret itself). */
export async function loginStatus(options: LoginStatusOptions): Promise<LoginStatus> {
  const auth = await loadAuthDotJson(options.codexHome, options.storeMode ?? 'file', {
    keyring: options.keyring,
    logger: options.logger,
  });
  if (!auth) return { loggedIn: false };
  if (auth.openaiApiKey && !auth.tokens)
    return { loggedIn: true, mode: 'apikey', apiKeyHint: maskApiKey(auth.openaiApiKey) };
  if (!auth.tokens) return { loggedIn: false };
  const plan = auth.tokens.idToken.chatgptPlanType;
  return {
    loggedIn: true,
    mode: auth.authMode === 'chatgptAuthTokens' ? 'chatgptAuthTokens' : 'chatgpt',
    email: auth.tokens.idToken.email,
    accountId: auth.tokens.accountId ?? auth.tokens.idToken.chatgptAccountId,
    planType: plan ? planTypeToString(plan) : null,
  };
}
