import { isIP } from 'node:net';
import path from 'node:path';

/** Where a server listens, from its `--listen` URL. */
export type ListenTarget =
  | {
      /** Newline-delimited JSON over stdin and stdout. */
      readonly kind: 'stdio';
    }
  | {
      /** A WebSocket server. */
      readonly kind: 'websocket';
      /** The IP address to bind (IPv6 without brackets). */
      readonly host: string;
      /** The TCP port; 0 picks a free one. */
      readonly port: number;
    }
  | {
      /** A WebSocket server on a Unix domain socket. */
      readonly kind: 'unix';
      /** The socket's absolute path. */
      readonly path: string;
    };

/** The default `--listen` value. */
export const DEFAULT_LISTEN_URL = 'stdio://';

/** Settings of {@link parseListenUrl}. */
export interface ParseListenUrlOptions {
  /** Accept `unix://PATH`. Default false. */
  readonly allowUnix?: boolean;
  /**
   * The socket a bare `unix://` means (the original app-server uses
   * `$CODEX_HOME/app-server-control/app-server-control.sock`). Without it, `unix://` needs a path.
   */
  readonly defaultUnixPath?: string;
  /** What a relative `unix://PATH` is resolved against. Default `process.cwd()`. */
  readonly cwd?: string;
}

const WEBSOCKET_ADDRESS = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/;
const MAX_PORT = 65_535;

/**
 * Parses a `--listen` URL: `stdio://` (the default), `ws://IP:PORT` (an IP literal, IPv4 or
 * `[IPv6]`, never a host name: what is bound is exactly what was asked for) or, with
 * `allowUnix`, `unix://PATH` (resolved against `cwd` when relative, as the original does).
 * Throws an Error naming the URL and the accepted forms.
 */
export function parseListenUrl(url: string, options: ParseListenUrlOptions = {}): ListenTarget {
  if (url === DEFAULT_LISTEN_URL) return { kind: 'stdio' };
  if (url.startsWith('ws://')) {
    const match = WEBSOCKET_ADDRESS.exec(url.slice('ws://'.length));
    const host = match?.[1] ?? match?.[2];
    const port = Number(match?.[3]);
    const ipv6 = match?.[1] !== undefined;
    if (!host || isIP(host) !== (ipv6 ? 6 : 4) || port > MAX_PORT) {
      throw new Error(`invalid websocket --listen URL \`${url}\`; expected \`ws://IP:PORT\``);
    }
    return { kind: 'websocket', host, port };
  }
  if (options.allowUnix && url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length) || options.defaultUnixPath;
    if (!socketPath || socketPath.includes('\0')) {
      throw new Error(`invalid unix --listen URL \`${url}\`; expected \`unix://PATH\``);
    }
    return { kind: 'unix', path: path.resolve(options.cwd ?? process.cwd(), socketPath) };
  }
  throw new Error(`unsupported --listen URL \`${url}\`; expected ${acceptedForms(options)}`);
}

function acceptedForms(options: ParseListenUrlOptions): string {
  if (!options.allowUnix) return '`stdio://` or `ws://IP:PORT`';
  const unix = options.defaultUnixPath ? '`unix://`, `unix://PATH`' : '`unix://PATH`';
  return `\`stdio://\`, ${unix} or \`ws://IP:PORT\``;
}

/**
 * Whether `host` (an IP literal, or `localhost`) only reaches this machine: 127.0.0.0/8, `::1`
 * and IPv4-mapped loopback addresses. Servers refuse to listen elsewhere without authentication.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === 'localhost') return true;
  if (isIP(lower) === 4) return lower.startsWith('127.');
  // A zone id (`fe80::1%eth0`) names a link, never loopback.
  if (isIP(lower) !== 6 || lower.includes('%')) return false;
  // The URL parser writes IPv6 in its shortest form: `0:0::1` is `::1`, `::ffff:127.0.0.1` is
  // `::ffff:7f00:1`.
  const shortest = new URL(`http://[${lower}]/`).hostname.slice(1, -1);
  return shortest === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(shortest);
}
