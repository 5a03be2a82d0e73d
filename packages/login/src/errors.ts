import { CodexError } from '@codex/common';

/** Why a login did not complete. */
export type LoginErrorCode =
  | 'cancelled'
  | 'timeout'
  | 'access_denied'
  | 'token_exchange'
  | 'workspace_mismatch'
  | 'port_in_use'
  | 'save_failed';

/** A login that did not complete; `message` says why and what to do. */
export class LoginError extends CodexError<LoginErrorCode> {
  static override readonly brand = 'codex.login.LoginError';
}
