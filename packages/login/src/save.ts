import {
  type AuthCredentialsStoreMode,
  type AuthDotJson,
  type IdTokenInfo,
  parseChatgptJwtClaims,
  planTypeToString,
  saveAuth,
} from '@codex/auth';
import type { Logger } from '@codex/common';
import type { LoginTokens } from '@codex/core';
import { LoginError } from './errors.js';

/** A completed login. */
export interface LoginResult {
  /** The credentials as saved. */
  readonly auth: AuthDotJson;
  /** The account's email, from the id token. */
  readonly email: string | null;
  /** The ChatGPT account (workspace) id. */
  readonly accountId: string | null;
  /** The ChatGPT plan, such as `plus` or `pro`. */
  readonly planType: string | null;
}

/** Workspaces (account ids) a login may belong to; empty when any will do. */
export type ForcedWorkspaces = string | readonly string[] | null | undefined;

const workspaceList = (forced: ForcedWorkspaces): readonly string[] =>
  forced === null || forced === undefined ? [] : typeof forced === 'string' ? [forced] : forced;

/**
 * Reads the ID token's claims, enforces the forced workspace(s), and saves the tokens as a
 * ChatGPT login in the configured store (holding `auth.lock`, as the original does).
 */
export async function saveChatgptTokens(
  tokens: LoginTokens,
  options: {
    readonly codexHome: string;
    readonly storeMode?: AuthCredentialsStoreMode;
    readonly forcedWorkspaceId?: ForcedWorkspaces;
    readonly logger?: Logger;
  },
): Promise<LoginResult> {
  let claims: IdTokenInfo;
  try {
    claims = parseChatgptJwtClaims(tokens.idToken);
  } catch (error) {
    throw new LoginError(
      'token_exchange',
      `the ID token could not be read: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const allowed = workspaceList(options.forcedWorkspaceId);
  if (allowed.length > 0 && !allowed.includes(claims.chatgptAccountId ?? ''))
    throw new LoginError(
      'workspace_mismatch',
      `login is restricted to workspace ${allowed.join(' or ')}, but you signed in to ${claims.chatgptAccountId ?? 'no workspace'}`,
    );
  const auth: AuthDotJson = {
    authMode: 'chatgpt',
    openaiApiKey: null,
    tokens: {
      idToken: claims,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      accountId: claims.chatgptAccountId,
    },
    lastRefresh: new Date().toISOString(),
  };
  try {
    await saveAuth(options.codexHome, auth, options.storeMode ?? 'file', {
      logger: options.logger,
    });
  } catch (error) {
    throw new LoginError(
      'save_failed',
      `credentials could not be saved: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return {
    auth,
    email: claims.email,
    accountId: claims.chatgptAccountId,
    planType: claims.chatgptPlanType ? planTypeToString(claims.chatgptPlanType) : null,
  };
}

/** A LoginError for a failed OAuth request. */
export function tokenExchangeFailure(error: unknown): LoginError {
  if (LoginError.isInstance(error)) return error;
  return new LoginError('token_exchange', (error as Error).message, { cause: error });
}
