import {
  capabilityTokenFileAuth,
  capabilityTokenSha256Auth,
  signedBearerTokenFileAuth,
  type WebSocketAuth,
} from './upgrade-auth.js';

/**
 * The `node:util` `parseArgs` options of the WebSocket authentication flags, so that every bin
 * declares them alike: `--ws-auth`, `--ws-token-file`, `--ws-token-sha256`,
 * `--ws-shared-secret-file`, `--ws-issuer`, `--ws-audience`, `--ws-max-clock-skew-seconds`.
 */
export const WEBSOCKET_AUTH_FLAG_OPTIONS = {
  /** `--ws-auth MODE`: `capability-token`, `signed-bearer-token` or (where allowed) `none`. */
  'ws-auth': { type: 'string' },
  /** `--ws-token-file PATH`: a file holding the capability token. */
  'ws-token-file': { type: 'string' },
  /** `--ws-token-sha256 HEX`: the SHA-256 digest of the capability token. */
  'ws-token-sha256': { type: 'string' },
  /** `--ws-shared-secret-file PATH`: a file holding the HS256 secret of signed bearer tokens. */
  'ws-shared-secret-file': { type: 'string' },
  /** `--ws-issuer ISS`: the `iss` claim a signed bearer token must have. */
  'ws-issuer': { type: 'string' },
  /** `--ws-audience AUD`: the `aud` claim a signed bearer token must have. */
  'ws-audience': { type: 'string' },
  /** `--ws-max-clock-skew-seconds N`: tolerance for `exp`/`nbf`/`iat`. Default 30. */
  'ws-max-clock-skew-seconds': { type: 'string' },
} as const;

/** The values of those flags, keyed by flag name as `parseArgs` returns them. */
export type WebSocketAuthFlags = {
  readonly [Flag in keyof typeof WEBSOCKET_AUTH_FLAG_OPTIONS]?: string;
};

/** Settings of {@link parseWebSocketAuthFlags}. */
export interface ParseWebSocketAuthFlagsOptions {
  /**
   * Accept `--ws-auth none` (any client that can connect is served). The original app-server
   * has no such mode; the exec-server has. Default false.
   */
  readonly allowNone?: boolean;
}

const CAPABILITY_FLAGS = ['ws-token-file', 'ws-token-sha256'] as const;
const SIGNED_FLAGS = [
  'ws-shared-secret-file',
  'ws-issuer',
  'ws-audience',
  'ws-max-clock-skew-seconds',
] as const;

const given = (flags: WebSocketAuthFlags, names: readonly (keyof WebSocketAuthFlags)[]) =>
  names.some((name) => flags[name] !== undefined);

function clockSkewSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new Error(`--ws-max-clock-skew-seconds must be a non-negative integer, got ${value}`);
  }
  return Number(value);
}

/**
 * Turns the WebSocket authentication flags into a {@link WebSocketAuth}, reading the token or
 * secret file; `undefined` when `--ws-auth` is absent (whether a listener then needs one is the
 * caller's rule). Flags that do not belong to the chosen mode are errors, with the original
 * app-server's messages.
 */
export async function parseWebSocketAuthFlags(
  flags: WebSocketAuthFlags,
  options: ParseWebSocketAuthFlagsOptions = {},
): Promise<WebSocketAuth | undefined> {
  const mode = flags['ws-auth'];
  const digest = flags['ws-token-sha256'];
  // A malformed digest is refused whatever else is wrong, as the original does.
  if (digest !== undefined) capabilityTokenSha256Auth(digest);
  const modes = options.allowNone
    ? 'capability-token, signed-bearer-token or none'
    : 'capability-token or signed-bearer-token';
  switch (mode) {
    case undefined:
      if (given(flags, [...CAPABILITY_FLAGS, ...SIGNED_FLAGS])) {
        throw new Error(
          'websocket auth flags require `--ws-auth capability-token` or `--ws-auth signed-bearer-token`',
        );
      }
      return undefined;
    case 'capability-token': {
      if (given(flags, SIGNED_FLAGS)) {
        throw new Error(
          '`--ws-shared-secret-file`, `--ws-issuer`, `--ws-audience`, and `--ws-max-clock-skew-seconds` require `--ws-auth signed-bearer-token`',
        );
      }
      const file = flags['ws-token-file'];
      if (file !== undefined && digest !== undefined) {
        throw new Error('`--ws-token-file` and `--ws-token-sha256` are mutually exclusive');
      }
      if (file !== undefined) return capabilityTokenFileAuth(file);
      if (digest !== undefined) return capabilityTokenSha256Auth(digest);
      throw new Error(
        '`--ws-token-file` or `--ws-token-sha256` is required when `--ws-auth capability-token` is set',
      );
    }
    case 'signed-bearer-token': {
      if (given(flags, CAPABILITY_FLAGS)) {
        throw new Error(
          '`--ws-token-file` and `--ws-token-sha256` require `--ws-auth capability-token`, not `signed-bearer-token`',
        );
      }
      const file = flags['ws-shared-secret-file'];
      if (file === undefined) {
        throw new Error(
          '`--ws-shared-secret-file` is required when `--ws-auth signed-bearer-token` is set',
        );
      }
      return signedBearerTokenFileAuth(file, {
        issuer: flags['ws-issuer'],
        audience: flags['ws-audience'],
        maxClockSkewSeconds: clockSkewSeconds(flags['ws-max-clock-skew-seconds']),
      });
    }
    case 'none':
      if (!options.allowNone) break;
      if (given(flags, [...CAPABILITY_FLAGS, ...SIGNED_FLAGS])) {
        throw new Error('`--ws-auth none` takes no other websocket auth flag');
      }
      return { mode: 'none' };
  }
  throw new Error(`unknown --ws-auth mode \`${mode}\`; expected ${modes}`);
}
