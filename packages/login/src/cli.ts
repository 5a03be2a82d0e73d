import { parseArgs } from 'node:util';
import {
  AUTH_CREDENTIALS_STORE_MODES,
  type AuthCredentialsStoreMode,
  loginWithApiKey,
} from '@codex/auth';
import { createConsoleLogger } from '@codex/common';
import { AuthManager, findCodexHome, loadConfig } from '@codex/core';
import { loginStatus } from './account.js';
import { loginWithDeviceCode } from './device-code.js';
import { LoginError } from './errors.js';
import { runLoginServer } from './server.js';

/** Where the CLI reads and writes; the bin passes the process's own streams. */
export interface LoginCliIo {
  /** Read for `login --with-api-key` (the key). */
  readonly stdin: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  /** Receives the results, such as the status and the login URL. */
  readonly stdout: (text: string) => void;
  /** Receives errors and usage text. */
  readonly stderr: (text: string) => void;
  /** The environment (`CODEX_HOME` and the config's variables). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The `codex-login --help` text. */
export const LOGIN_CLI_USAGE = `Usage: codex-login <command> [options]

Commands:
  login                  sign in with ChatGPT in a browser (PKCE, loopback on port 1455)
  login --device-code    sign in from another device (for SSH sessions and containers)
  login --with-api-key   store an API key read from stdin
  logout                 revoke the ChatGPT refresh token and remove stored credentials
  status                 show who is logged in

Options:
  --codex-home DIR       default: $CODEX_HOME, else ~/.codex
  --store MODE           file | keyring | auto | ephemeral (default: cli_auth_credentials_store)
  --issuer URL           OAuth issuer (default https://auth.openai.com)
  --port N               login server port (default 1455)
  --no-browser           print the sign-in URL instead of opening a browser
  --no-revoke            logout without contacting the issuer
`;

class UsageError extends Error {}

async function readAll(stdin: LoginCliIo['stdin']): Promise<string> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of stdin)
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** Runs `codex-login`; resolves with the exit code (0 ok, 1 failed, 2 usage). */
export async function runLoginCli(argv: readonly string[], io: LoginCliIo): Promise<number> {
  const logger = createConsoleLogger({
    prefix: 'codex-login',
    write: (line) => io.stderr(`${line}\n`),
  });
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'codex-home': { type: 'string' },
        store: { type: 'string' },
        issuer: { type: 'string' },
        port: { type: 'string' },
        'device-code': { type: 'boolean' },
        'with-api-key': { type: 'boolean' },
        'no-browser': { type: 'boolean' },
        'no-revoke': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout(LOGIN_CLI_USAGE);
      return 0;
    }
    const [command, ...extra] = positionals;
    if (!command || extra.length > 0)
      throw new UsageError(command ? `unexpected argument: ${extra[0]}` : 'missing command');
    const codexHome = values['codex-home'] ?? findCodexHome(io.env);
    const { config } = await loadConfig({ codexHome, env: io.env });
    if (
      values.store !== undefined &&
      !(AUTH_CREDENTIALS_STORE_MODES as readonly string[]).includes(values.store)
    )
      throw new UsageError(
        `--store must be one of ${AUTH_CREDENTIALS_STORE_MODES.join(', ')}, not ${values.store}`,
      );
    const storeMode =
      (values.store as AuthCredentialsStoreMode | undefined) ?? config.cliAuthCredentialsStore;
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535))
      throw new UsageError(`--port must be a port number, not ${values.port}`);
    const account = { codexHome, storeMode, logger };

    switch (command) {
      case 'login': {
        if (values['with-api-key']) {
          if (config.forcedLoginMethod === 'chatgpt')
            throw new LoginError(
              'access_denied',
              'config.toml requires ChatGPT login (forced_login_method = "chatgpt")',
            );
          const key = (await readAll(io.stdin)).trim();
          if (key.length === 0)
            throw new UsageError(
              'no API key on stdin: pipe it in, e.g. `printenv OPENAI_API_KEY | codex-login login --with-api-key`',
            );
          await loginWithApiKey(codexHome, key, storeMode, { logger });
          io.stdout('Logged in with an API key.\n');
          return 0;
        }
        if (config.forcedLoginMethod === 'api')
          throw new LoginError(
            'access_denied',
            'config.toml requires API key login (forced_login_method = "api"): use --with-api-key',
          );
        const common = {
          ...account,
          issuer: values.issuer,
          forcedWorkspaceId: config.forcedChatgptWorkspaceId,
        };
        const result = values['device-code']
          ? await loginWithDeviceCode({
              ...common,
              onPrompt: (prompt) =>
                io.stderr(
                  `To sign in, open ${prompt.verificationUri} on any device and enter the code ${prompt.userCode}` +
                    ` (it expires in ${Math.round(prompt.expiresInSeconds / 60)} minutes).\n`,
                ),
            })
          : await (async () => {
              const server = await runLoginServer({
                ...common,
                port,
                openBrowser: !values['no-browser'],
              });
              io.stderr(
                `Sign in at:\n  ${server.authUrl}\nWaiting for the browser (port ${server.port})…\n`,
              );
              return server.done;
            })();
        io.stdout(
          `Logged in with ChatGPT${result.email ? ` as ${result.email}` : ''}${result.planType ? ` (${result.planType})` : ''}.\n`,
        );
        return 0;
      }
      case 'logout': {
        const manager = new AuthManager({
          codexHome,
          storeMode,
          issuer: values.issuer,
          env: io.env,
          logger,
        });
        const result = await manager.logout({ revoke: !values['no-revoke'] });
        io.stdout(result.removed ? 'Logged out.\n' : 'Not logged in.\n');
        return 0;
      }
      case 'status': {
        const status = await loginStatus(account);
        if (!status.loggedIn) {
          io.stdout('Not logged in.\n');
          return 1;
        }
        if (status.mode === 'apikey')
          io.stdout(`Logged in using an API key (${status.apiKeyHint}).\n`);
        else
          io.stdout(
            `Logged in using ChatGPT${status.email ? ` as ${status.email}` : ''}${status.planType ? ` (${status.planType})` : ''}.\n`,
          );
        return 0;
      }
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      io.stderr(`codex-login: ${(error as Error).message}\n\n${LOGIN_CLI_USAGE}`);
      return 2;
    }
    io.stderr(`codex-login: ${(error as Error).message}\n`);
    return 1;
  }
}
