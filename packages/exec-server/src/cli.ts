import { parseArgs } from 'node:util';
import {
  capabilityTokenFileAuth,
  capabilityTokenSha256Auth,
  signedBearerTokenFileAuth,
  type WebSocketAuth,
} from './auth.js';
import type { ExecServerConfig } from './config.js';
import { DEFAULT_LISTEN_URL, type ListenTarget, parseListenUrl } from './listen.js';

/** Usage text of `codex-exec-server`. */
export const USAGE = `Usage: codex-exec-server [OPTIONS]

Runs the Codex exec-server (protocol exec-server.v0).

Options:
  --listen <URL>                     stdio:// (default) or ws://IP:PORT (port 0 picks one;
                                     the URL is printed on stderr)
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
      'ws-auth': { type: 'string' },
      'ws-token-file': { type: 'string' },
      'ws-token-sha256': { type: 'string' },
      'ws-shared-secret-file': { type: 'string' },
      'ws-issuer': { type: 'string' },
      'ws-audience': { type: 'string' },
      'ws-max-clock-skew-seconds': { type: 'string' },
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
  const listen = parseListenUrl(values.listen);
  if (values.help) return { listen, config, help: true };
  const mode = values['ws-auth'];
  if (listen.kind === 'stdio') {
    if (mode !== undefined) throw new Error('--ws-auth only applies to ws:// listeners');
    return { listen, config, help: false };
  }
  let auth: WebSocketAuth;
  switch (mode) {
    case undefined:
      throw new Error(
        'ws:// listeners require authentication: pass --ws-auth capability-token with ' +
          '--ws-token-file or --ws-token-sha256, --ws-auth signed-bearer-token with ' +
          '--ws-shared-secret-file, or --ws-auth none to accept any client that can connect',
      );
    case 'none':
      auth = { mode: 'none' };
      break;
    case 'capability-token': {
      const file = values['ws-token-file'];
      const digest = values['ws-token-sha256'];
      if ((file === undefined) === (digest === undefined)) {
        throw new Error(
          'exactly one of `--ws-token-file` or `--ws-token-sha256` is required when `--ws-auth capability-token` is set',
        );
      }
      auth =
        file !== undefined
          ? await capabilityTokenFileAuth(file)
          : capabilityTokenSha256Auth(digest ?? '');
      break;
    }
    case 'signed-bearer-token': {
      const file = values['ws-shared-secret-file'];
      if (file === undefined) {
        throw new Error(
          '`--ws-shared-secret-file` is required when `--ws-auth signed-bearer-token` is set',
        );
      }
      auth = await signedBearerTokenFileAuth(file, {
        issuer: values['ws-issuer'],
        audience: values['ws-audience'],
        maxClockSkewSeconds: integer(
          '--ws-max-clock-skew-seconds',
          values['ws-max-clock-skew-seconds'],
        ),
      });
      break;
    }
    default:
      throw new Error(
        `unknown --ws-auth mode \`${mode}\`; expected capability-token, signed-bearer-token or none`,
      );
  }
  return { listen, auth, config, help: false };
}
