import { arch, platform, release } from 'node:os';
import { loadHookListing } from '@codex/core';
import { refuse } from '../errors.js';
import { MODEL_CATALOGUE } from '../models.js';
import { PROTOCOL_COMPATIBLE_VERSION } from '../version.js';
import { loadedThread } from './threads.js';
import type { HandlerTable } from './types.js';

/** Visible ASCII, space and tab, and obs-text: what an HTTP header value may hold. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]+$/;

const MAX_PAGE = 100;

function osDescription(): string {
  const names: Record<string, string> = { linux: 'Linux', darwin: 'Mac OS', win32: 'Windows' };
  return `${names[platform()] ?? platform()} ${release()}; ${arch() === 'x64' ? 'x86_64' : arch()}`;
}

/** The user agent the original reports: `name/version (os; arch) terminal (name; version)`. */
export function userAgentFor(name: string, version: string): string {
  const terminal = process.env.TERM_PROGRAM ?? process.env.TERM ?? 'unknown';
  return `${name}/${PROTOCOL_COMPATIBLE_VERSION} (${osDescription()}) ${terminal} (${name}; ${version})`;
}

/** `initialize`, the model lists, and what the TUI asks at start-up that we answer as empty. */
export const sessionHandlers: HandlerTable = {
  initialize: (params, { server, session }) => {
    if (session.initialized) throw refuse('Already initialized');
    const { name, version } = params.clientInfo;
    if (!HEADER_VALUE.test(name)) {
      throw refuse(`Invalid clientInfo.name: '${name}'. Must be a valid HTTP header value.`);
    }
    const capabilities = params.capabilities;
    session.experimentalApi = capabilities?.experimentalApi ?? false;
    for (const method of capabilities?.optOutNotificationMethods ?? [])
      session.optedOut.add(method);
    session.clientName = name;
    session.clientVersion = version;
    session.initialized = true;
    server.threads(name);
    // After the response: config warnings, then the remote-control status, as the original.
    setImmediate(() => {
      for (const warning of server.loaded.warnings) session.notify('configWarning', warning);
      session.notify('remoteControl/status/changed', {
        status: 'disabled',
        serverName: server.serverName,
        installationId: server.installationId,
        environmentId: null,
      });
    });
    return {
      userAgent: userAgentFor(name, version),
      codexHome: server.codexHome,
      platformFamily: platform() === 'win32' ? 'windows' : 'unix',
      platformOs:
        platform() === 'darwin' ? 'macos' : platform() === 'win32' ? 'windows' : platform(),
    };
  },

  'model/list': (params) => {
    const models = MODEL_CATALOGUE.filter((model) => params.includeHidden || !model.hidden);
    const start = params.cursor ? Number(params.cursor) : 0;
    if (!Number.isInteger(start) || start < 0) throw refuse(`invalid cursor: ${params.cursor}`);
    const limit = Math.min(params.limit || MAX_PAGE, MAX_PAGE);
    const data = models.slice(start, start + limit);
    const next = start + data.length;
    return { data, nextCursor: next < models.length ? String(next) : null };
  },

  'modelProvider/list': (_params, { server }) => {
    const { modelProviders, modelProviderId } = server.config;
    return {
      data: Object.entries(modelProviders).map(([id, provider]) => ({
        id,
        name: provider.name,
        canEdit: id !== 'openai',
        baseUrl: id === 'openai' ? null : (provider.baseUrl ?? null),
        settings:
          id === 'openai'
            ? { type: 'openai' as const }
            : {
                type: 'customGateway' as const,
                auth: provider.envKey
                  ? { mode: 'environmentVariable' as const, envKey: provider.envKey }
                  : { mode: 'none' as const },
              },
      })),
      defaultProviderId: modelProviderId,
      canChangeDefault: true,
    };
  },

  /**
   * The hooks each working directory would run, read afresh (a client trusts a hook by writing
   * its hash to config.toml, then lists again). A loaded thread's: its own cwd.
   */
  'hooks/list': async (params, { server }) => {
    const live = params.threadId ? loadedThread(server, params.threadId) : null;
    const requested = live ? [live.thread.session.config.cwd] : (params.cwds ?? []);
    const cwds = requested.length > 0 ? requested : [server.config.cwd];
    const data = await Promise.all(
      cwds.map(async (cwd) => {
        const config = await server.threadConfig({ cwd });
        const toml = config.toml as Readonly<Record<string, unknown>>;
        return loadHookListing({ codexHome: server.codexHome, cwd, toml, logger: server.logger });
      }),
    );
    return { data };
  },
  'skills/list': (params) => ({
    data: (params.cwds ?? []).map((cwd) => ({ cwd, skills: [], errors: [] })),
  }),
  'plugin/installed': () => ({ marketplaces: [], marketplaceLoadErrors: [] }),
  'collaborationMode/list': () => ({ data: [] }),
  'account/bedrock/checkGovCloudRequirements': () => ({ isGovCloud: false, shouldWarn: false }),
};
