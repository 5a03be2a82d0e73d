import { parseArgs } from 'node:util';
import {
  DEFAULT_LISTEN_URL,
  type ListenTarget,
  parseListenUrl,
  parseWebSocketAuthFlags,
  WEBSOCKET_AUTH_FLAG_OPTIONS,
  type WebSocketAuth,
} from '@codex/jsonrpc/server';

/** Usage text of `codex-app-server`. */
export const USAGE = `Usage: codex-app-server [OPTIONS]

Runs the Codex app server (JSON-RPC, protocol v2 and the v1 conversation API).

Options:
  --listen <URL>                     stdio:// (default), ws://IP:PORT or unix://PATH
                                     (port 0 picks one; the URL is printed on stderr)
  -c, --config <key=value>           override a config.toml value (repeatable; TOML values)
  -p, --profile <NAME>               use $CODEX_HOME/<NAME>.config.toml
  --strict-config                    fail on unknown config keys
  --ws-auth <MODE>                   capability-token | signed-bearer-token
                                     (required for a non-loopback ws:// address)
  --ws-token-file <PATH>             absolute path of the capability token
  --ws-token-sha256 <HEX>            SHA-256 digest of the capability token
  --ws-shared-secret-file <PATH>     absolute path of the HS256 secret for signed tokens
  --ws-issuer <ISSUER>               expected \`iss\` of signed tokens
  --ws-audience <AUDIENCE>           expected \`aud\` of signed tokens
  --ws-max-clock-skew-seconds <N>    tolerance for \`exp\`/\`nbf\` (default 30)
  -h, --help                         print this help
`;

/** A parsed command line. */
export interface AppServerCliOptions {
  readonly listen: ListenTarget;
  readonly auth?: WebSocketAuth;
  readonly cliOverrides: readonly string[];
  readonly profile?: string;
  readonly strictConfig: boolean;
  readonly help: boolean;
}

/** Parses `codex-app-server`'s arguments; throws an Error naming the bad flag. */
export async function parseCli(argv: readonly string[]): Promise<AppServerCliOptions> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      listen: { type: 'string', default: DEFAULT_LISTEN_URL },
      config: { type: 'string', short: 'c', multiple: true, default: [] },
      profile: { type: 'string', short: 'p' },
      'strict-config': { type: 'boolean', default: false },
      ...WEBSOCKET_AUTH_FLAG_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const listen = parseListenUrl(values.listen, { allowUnix: true });
  const base = {
    listen,
    cliOverrides: values.config,
    profile: values.profile,
    strictConfig: values['strict-config'],
    help: values.help,
  };
  if (values.help) return base;
  const auth = await parseWebSocketAuthFlags(values);
  if (auth && listen.kind !== 'websocket') {
    throw new Error('--ws-auth only applies to ws:// listeners');
  }
  return auth ? { ...base, auth } : base;
}
