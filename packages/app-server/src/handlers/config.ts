import { batchWriteConfig, ConfigError, readConfig } from '@codex/core';
import { refuse } from '../errors.js';
import type { AppServer } from '../server.js';
import type { HandlerTable } from './types.js';

function writeOptions(
  server: AppServer,
  params: { expectedVersion?: string | null; filePath?: string | null },
) {
  return {
    codexHome: server.codexHome,
    filePath: params.filePath ?? undefined,
    expectedVersion: params.expectedVersion ?? null,
    cliOverrides: server.options.cliOverrides,
    overrides: server.options.profile ? { profile: server.options.profile } : undefined,
    env: server.options.env,
    logger: server.logger,
  };
}

/** A config failure as the client sees it: the message names the key; nothing secret is quoted. */
function configFailure(error: unknown): never {
  if (ConfigError.isInstance(error)) {
    throw refuse(error.message);
  }
  throw error;
}

/** The config API (seed 001): read with layers and origins, single and batch writes. */
export const configHandlers: HandlerTable = {
  'config/read': (params, { server }) =>
    readConfig({
      codexHome: server.codexHome,
      cliOverrides: server.options.cliOverrides,
      overrides: {
        ...(server.options.profile ? { profile: server.options.profile } : {}),
        ...(params.cwd ? { cwd: params.cwd } : {}),
      },
      includeLayers: params.includeLayers ?? false,
      env: server.options.env,
    }).catch(configFailure),

  'config/value/write': (params, { server }) =>
    batchWriteConfig(
      [{ keyPath: params.keyPath, value: params.value, mergeStrategy: params.mergeStrategy }],
      writeOptions(server, params),
    ).catch(configFailure),

  'config/batchWrite': (params, { server }) =>
    batchWriteConfig(
      params.edits.map((edit) => ({
        keyPath: edit.keyPath,
        value: edit.value,
        mergeStrategy: edit.mergeStrategy,
      })),
      writeOptions(server, params),
    ).catch(configFailure),

  'configRequirements/read': () => ({ requirements: null }),
};
