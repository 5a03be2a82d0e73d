import type {
  ExternalAuthRefreshContext,
  ExternalAuthRefresher,
  ExternalAuthTokens,
} from '@codex/core';
import { ConnectionError } from '@codex/jsonrpc';
import { JsonRpcError } from '@codex/protocol';
import type { ClientSession } from '../client-session.js';

/** How long the client that supplied the tokens has to hand over new ones (seed 001). */
export const EXTERNAL_AUTH_REFRESH_TIMEOUT_MS = 10_000;

/**
 * Asks the client that logged in with `chatgptAuthTokens` for fresh tokens after a 401, with
 * the `account/chatgptAuthTokens/refresh` server request; the seed's error words on failure.
 */
export class ClientAuthRefresher implements ExternalAuthRefresher {
  constructor(
    readonly session: ClientSession,
    private readonly timeoutMs = EXTERNAL_AUTH_REFRESH_TIMEOUT_MS,
  ) {}

  async refresh(context: ExternalAuthRefreshContext): Promise<ExternalAuthTokens> {
    const sent = this.session.request(
      'account/chatgptAuthTokens/refresh',
      { reason: context.reason, previousAccountId: context.previousAccountId },
      this.timeoutMs,
    );
    try {
      const response = await sent.result;
      return {
        accessToken: response.accessToken,
        chatgptAccountId: response.chatgptAccountId,
        chatgptPlanType: response.chatgptPlanType ?? null,
      };
    } catch (error) {
      if (ConnectionError.isInstance(error) && error.code === 'timeout') {
        throw new Error(
          `auth refresh request timed out after ${Math.round(this.timeoutMs / 1000)}s`,
        );
      }
      if (JsonRpcError.isInstance(error)) {
        throw new Error(`auth refresh request failed: code=${error.code} message=${error.message}`);
      }
      if (ConnectionError.isInstance(error) && error.code !== 'invalid_result') {
        throw new Error(`auth refresh request canceled: ${error.message}`);
      }
      throw error;
    }
  }
}
