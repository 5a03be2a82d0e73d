import { CodexError } from '@codex/common';
import { decodeJwt, errors as joseErrors } from 'jose';

/** ChatGPT plans the original knows by name. */
export const KNOWN_PLANS = [
  'free',
  'go',
  'plus',
  'pro',
  'team',
  'business',
  'enterprise',
  'edu',
] as const;
/** A ChatGPT plan the original knows by name. */
export type KnownPlan = (typeof KNOWN_PLANS)[number];

/** A plan claim: a known plan, or the raw value kept verbatim. */
export type PlanType =
  | {
      /** A plan named in {@link KNOWN_PLANS}. */
      readonly kind: 'known';
      /** Which known plan. */
      readonly plan: KnownPlan;
    }
  | {
      /** Any other value. */
      readonly kind: 'unknown';
      /** The claim exactly as the token has it. */
      readonly raw: string;
    };

/** Reads a plan claim; matching is case-insensitive, unknown values are kept as given. */
export function planTypeFromRaw(raw: string): PlanType {
  const lower = raw.toLowerCase();
  const known = KNOWN_PLANS.find((plan) => plan === lower);
  return known ? { kind: 'known', plan: known } : { kind: 'unknown', raw };
}

/** The plan as the original writes it: the known name in lowercase, or the raw value. */
export function planTypeToString(plan: PlanType): string {
  return plan.kind === 'known' ? plan.plan : plan.raw;
}

/** The claims Codex reads from a ChatGPT id token, plus the token itself. */
export interface IdTokenInfo {
  /** The user's email, from the token or its profile claim. */
  readonly email: string | null;
  /** The ChatGPT plan (`chatgpt_plan_type` claim). */
  readonly chatgptPlanType: PlanType | null;
  /** The ChatGPT user id (`chatgpt_user_id`, else `user_id`). */
  readonly chatgptUserId: string | null;
  /** The ChatGPT account (workspace) id (`chatgpt_account_id`). */
  readonly chatgptAccountId: string | null;
  /** The JWT as received; this is what auth.json stores. */
  readonly rawJwt: string;
}

/** Why a JWT could not be read. */
export type IdTokenInfoErrorCode = 'segments' | 'base64' | 'json' | 'claims';

/** A JWT that is not a readable token. Never thrown for a merely missing claim. */
export class IdTokenInfoError extends CodexError<IdTokenInfoErrorCode> {
  static override readonly brand = 'codex.auth.IdTokenInfoError';
}

const AUTH_CLAIM = 'https://api.openai.com/auth';
const PROFILE_CLAIM = 'https://api.openai.com/profile';

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
const asString = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * Reads the ChatGPT claims of a JWT without verifying its signature, as the original does
 * (the token came from the issuer over TLS; verification is the API's job).
 */
export function parseChatgptJwtClaims(jwt: string): IdTokenInfo {
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts.some((part) => part.length === 0)) {
    throw new IdTokenInfoError(
      'segments',
      `a JWT has three non-empty dot-separated parts; got ${parts.length}`,
    );
  }
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(jwt) as Record<string, unknown>;
  } catch (cause) {
    const text = cause instanceof Error ? cause.message : String(cause);
    if (cause instanceof joseErrors.JWTInvalid && /base64/i.test(text)) {
      throw new IdTokenInfoError('base64', `JWT payload is not base64url: ${text}`, { cause });
    }
    if (cause instanceof joseErrors.JWTInvalid && /JSON|object/i.test(text)) {
      throw new IdTokenInfoError('json', `JWT payload is not a JSON object: ${text}`, { cause });
    }
    throw new IdTokenInfoError('claims', `JWT could not be decoded: ${text}`, { cause });
  }
  const auth = asRecord(payload[AUTH_CLAIM]);
  const profile = asRecord(payload[PROFILE_CLAIM]);
  const plan = asString(auth.chatgpt_plan_type);
  return {
    email: asString(payload.email) ?? asString(profile.email),
    chatgptPlanType: plan === null ? null : planTypeFromRaw(plan),
    chatgptUserId: asString(auth.chatgpt_user_id) ?? asString(auth.user_id),
    chatgptAccountId: asString(auth.chatgpt_account_id),
    rawJwt: jwt,
  };
}

/**
 * When a JWT expires (its `exp` claim, as a Date), or null when it has none or cannot be read.
 * The signature is not checked.
 */
export function jwtExpiresAt(jwt: string): Date | null {
  try {
    const { exp } = decodeJwt(jwt);
    return typeof exp === 'number' ? new Date(exp * 1000) : null;
  } catch {
    return null;
  }
}
