import { parseArgs } from 'node:util';
import {
  DEFAULT_LISTEN_URL,
  type ListenTarget,
  parseListenUrl,
  parseWebSocketAuthFlags,
  WEBSOCKET_AUTH_FLAG_OPTIONS,
  type WebSocketAuth,
} from '@codex/jsonrpc/server';
import type { ExecServerConfig } from './config.js';

/** Usage text of `codex-exec-server`. */
export const USAGE = `Usage: codex-exec-server [OPTIONS]

Runs the Codex exec-server (protocol exec-server.v0).

Options:
  --listen <URL>                     stdio:// (default), ws://IP:PORT (port 0 picks one;
                                     the URL is printed on stderr) or unix://PATH
                                     (WebSocket over a Unix socket of mode 0600)
  --ws-auth <MODE>                   capability-token | signed-bearer-token | none
                                     (required for ws://)
  --ws-token-file <PATH>             absolute path of the capability token
  --ws-token-sha256 <HEX>            SHA-256 digest of the capability token
  --ws-shared-secret-file <PATH>     absolute path of the HS256 secret for signed tokens
  --ws-issuer <ISSUER>               expected \`iss\` of signed tokens
  --ws-audience <AUDIENCE>           expected \`aud\` of signed tokens
  --ws-max-clock-skew-seconds <N>    tolerance for \`exp\`/\`nbf\` (default 30)
  --retained-output-bytes <N>        output retained per process (default 1048576)
  --max-processes <N>                running processes per connection (default 1024)
  --terminate-grace-ms <N>           SIGTERM to SIGKILL delay (default 2000)
  -h, --help                         print this help
`;

/** A parsed command line. */
export interface CliOptions {
  readonly listen: ListenTarget;
  readonly auth?: WebSocketAuth;
  readonly config: Partial<ExecServerConfig>;
  readonly help: boolean;
}

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`${flag} must be a non-negative integer, got ${value}`);
  return Number(value);
}

/** Parses `codex-exec-server`'s arguments; throws an Error naming the bad flag. */
export async function parseCli(argv: readonly string[]): Promise<CliOptions> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      listen: { type: 'string', default: DEFAULT_LISTEN_URL },
      ...WEBSOCKET_AUTH_FLAG_OPTIONS,
      'retained-output-bytes': { type: 'string' },
      'max-processes': { type: 'string' },
      'terminate-grace-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const config: Partial<ExecServerConfig> = {
    retainedOutputBytesPerProcess: integer(
      '--retained-output-bytes',
      values['retained-output-bytes'],
    ),
    maxProcessesPerConnection: integer('--max-processes', values['max-processes']),
    terminateGraceMs: integer('--terminate-grace-ms', values['terminate-grace-ms']),
  };
  const listen = parseListenUrl(values.listen, { allowUnix: true });
  if (values.help) return { listen, config, help: true };
  if (listen.kind !== 'websocket') {
    if (Object.keys(WEBSOCKET_AUTH_FLAG_OPTIONS).some((flag) => flag in values)) {
      throw new Error('--ws-auth and its flags only apply to ws:// listeners');
    }
    return { listen, config, help: false };
  }
  const auth = await parseWebSocketAuthFlags(values, { allowNone: true });
  if (auth === undefined) {
    throw new Error(
      'ws:// listeners require authentication: pass --ws-auth capability-token with ' +
        '--ws-token-file or --ws-token-sha256, --ws-auth signed-bearer-token with ' +
        '--ws-shared-secret-file, or --ws-auth none to accept any client that can connect',
    );
  }
  return { listen, auth, config, help: false };
}
