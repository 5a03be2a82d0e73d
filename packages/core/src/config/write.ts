import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { defaultLogger, type Logger } from '@codex/common';
import { FileLockError, resolveSymlinks, withFileLock, writeFileAtomic } from '@codex/common/files';
import { applyConfigEdits, type ConfigEdit, type MergeStrategy } from './edit.js';
import { ConfigError } from './errors.js';
import {
  CONFIG_TOML_FILE,
  type ConfigLayerMetadata,
  type ConfigOverrides,
  findCodexHome,
  loadConfig,
  parseConfigText,
  splitKeyPath,
  valueAtPath,
} from './load.js';
import { formatKeyPath } from './toml.js';
import { checkLayer } from './validate.js';

/** Options of {@link writeConfigValue} and {@link batchWriteConfig}. */
export interface ConfigWriteOptions {
  /** Default: `$CODEX_HOME`, else `~/.codex`. */
  readonly codexHome?: string;
  /** The file to write; default `$CODEX_HOME/config.toml`. */
  readonly filePath?: string;
  /**
   * The version (`sha256:…`) the caller last read. When the file no longer has it the write is
   * refused with `version_conflict`, so two writers cannot silently overwrite each other.
   */
  readonly expectedVersion?: string | null;
  /** The session's `-c` overrides and typed overrides, to report `okOverridden`. */
  readonly cliOverrides?: readonly string[];
  /** The session's typed overrides, to report `okOverridden`. */
  readonly overrides?: ConfigOverrides;
  /** The system-wide file, for `okOverridden`; see `LoadConfigOptions.systemConfigFile`. */
  readonly systemConfigFile?: string | null;
  /** How long to wait for another writer's lock. Default 30 s. */
  readonly lockTimeoutMs?: number;
  /** Environment for `CODEX_HOME`. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where recovered problems go. Default `defaultLogger`. */
  readonly logger?: Logger;
}

/** What a write did; shaped as app-server v2 `ConfigWriteResponse`. */
export interface ConfigWriteResult {
  /** `okOverridden`: written, but a higher layer (profile, session flag) still wins. */
  readonly status: 'ok' | 'okOverridden';
  /** The file's new version. */
  readonly version: string;
  /** The file written. */
  readonly filePath: string;
  /** With `okOverridden`: what still wins over the written value. */
  readonly overriddenMetadata?: {
    /** Says which layer overrides the value, for the user. */
    readonly message: string;
    /** The value in effect. */
    readonly effectiveValue: unknown;
    /** The layer that set it. */
    readonly overridingLayer: ConfigLayerMetadata;
  };
}

/** One edit as API callers give it: a dotted key path. */
export interface ConfigValueEdit {
  /** The dotted key path, such as `model` or `projects."/a.b".trust_level`. */
  readonly keyPath: string;
  /** The new value; `null` removes the key. */
  readonly value: unknown;
  /** `replace` the value, or `upsert` (merge a table into the one there). */
  readonly mergeStrategy: MergeStrategy;
}

/** Writes one value; see {@link batchWriteConfig}. */
export function writeConfigValue(
  keyPath: string,
  value: unknown,
  mergeStrategy: MergeStrategy,
  options: ConfigWriteOptions = {},
): Promise<ConfigWriteResult> {
  return batchWriteConfig([{ keyPath, value, mergeStrategy }], options);
}

/** Legacy profile keys the original refuses to write (it reads profiles from their own files). */
function refuseLegacyProfileEdit(keyPath: readonly string[]): void {
  if (keyPath[0] === 'profile')
    throw new ConfigError(
      'invalid_edit',
      '`profile` is a legacy config selector and can no longer be written; use `--profile <name>` with `<name>.config.toml` instead',
      { keyPath: 'profile' },
    );
  if (keyPath[0] === 'profiles')
    throw new ConfigError(
      'invalid_edit',
      '`profiles` contains legacy config profile tables and can no longer be written; use `--profile <name>` with `<name>.config.toml` instead',
      { keyPath: formatKeyPath(keyPath) },
    );
}

/**
 * Applies edits to config.toml as one atomic change. Writers exclude each other with an OS
 * lock (`flock` on `config.toml.lock` beside the file), so with `expectedVersion` no write is
 * ever lost, even to a writer paused or killed mid-way. Only the edited lines change; comments,
 * ordering and formatting stay, and so do the file's owner and mode (0600 when new). The result
 * is validated before it is written: an invalid value fails naming the key and the allowed
 * values, and nothing is written. Symlinks are written through.
 */
export async function batchWriteConfig(
  edits: readonly ConfigValueEdit[],
  options: ConfigWriteOptions = {},
): Promise<ConfigWriteResult> {
  const env = options.env ?? process.env;
  const codexHome = resolve(options.codexHome ?? findCodexHome(env));
  const userFile = join(codexHome, CONFIG_TOML_FILE);
  const filePath = resolve(options.filePath ?? userFile);
  const parsed: ConfigEdit[] = edits.map((edit) => {
    let keyPath: string[];
    try {
      keyPath = splitKeyPath(edit.keyPath);
    } catch (error) {
      throw new ConfigError('invalid_edit', (error as Error).message, {
        keyPath: edit.keyPath,
        cause: error,
      });
    }
    refuseLegacyProfileEdit(keyPath);
    return { ...edit, keyPath };
  });

  let version: string;
  try {
    const target = await resolveSymlinks(filePath);
    version = await withFileLock(
      `${target}.lock`,
      { timeoutMs: options.lockTimeoutMs, logger: options.logger },
      async () => {
        const text = await readExisting(target);
        const current = parseConfigText(text, filePath).version;
        if (
          options.expectedVersion !== undefined &&
          options.expectedVersion !== null &&
          options.expectedVersion !== current
        )
          throw new ConfigError(
            'version_conflict',
            `${filePath} changed since it was read (expected version ${options.expectedVersion}, found ${current}); read it again and retry`,
            { file: filePath },
          );
        let next: string;
        try {
          next = applyConfigEdits(text, parsed);
        } catch (error) {
          if (ConfigError.isInstance(error))
            throw new ConfigError(error.code, `${filePath}: ${error.message}`, {
              file: filePath,
              keyPath: error.keyPath,
              cause: error,
            });
          throw error;
        }
        const written = parseConfigText(next, filePath);
        const check = checkLayer(written.value);
        const problem = check.problems.find((item) =>
          parsed.some(
            (edit) =>
              isPathPrefix(edit.keyPath, item.path) || isPathPrefix(item.path, edit.keyPath),
          ),
        );
        if (problem)
          throw new ConfigError(
            'invalid_value',
            `cannot write \`${formatKeyPath(problem.path)}\` to ${filePath}: ${problem.message}`,
            { file: filePath, keyPath: formatKeyPath(problem.path) },
          );
        if (next !== text) await writeFileAtomic(target, next, { logger: options.logger });
        return written.version;
      },
    );
  } catch (error) {
    if (FileLockError.isInstance(error))
      throw new ConfigError(error.code === 'timeout' ? 'lock_timeout' : 'io', error.message, {
        file: filePath,
        cause: error,
      });
    if (ConfigError.isInstance(error)) throw error;
    throw new ConfigError('io', `cannot write ${filePath}: ${(error as Error).message}`, {
      file: filePath,
      cause: error,
    });
  }

  const result: ConfigWriteResult = { status: 'ok', version, filePath };
  if (filePath !== userFile) return result;
  return withOverrideStatus(result, parsed, codexHome, options);
}

/** Whether `prefix` is `path` or one of its ancestors, segment by segment. */
function isPathPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => segment === path[index]);
}

async function readExisting(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Reports `okOverridden` when a profile or session flag still decides an edited key. */
async function withOverrideStatus(
  result: ConfigWriteResult,
  edits: readonly ConfigEdit[],
  codexHome: string,
  options: ConfigWriteOptions,
): Promise<ConfigWriteResult> {
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig({
      codexHome,
      cliOverrides: options.cliOverrides,
      overrides: options.overrides,
      systemConfigFile: options.systemConfigFile,
      env: options.env,
    });
  } catch (error) {
    // The write landed; whether another layer overrides it is only advice.
    (options.logger ?? defaultLogger).warn(
      `wrote ${result.filePath}, but could not load the config to check for overrides`,
      error,
    );
    return result;
  }
  const fileLayer = loaded.layers.find(
    (layer) => layer.name.type === 'user' && (layer.name.profile ?? null) === null,
  );
  for (const edit of edits) {
    const written = valueAtPath(fileLayer?.config, edit.keyPath);
    const effective = valueAtPath(loaded.mergedToml, edit.keyPath);
    if (isDeepStrictEqual(written, effective)) continue;
    const key = formatKeyPath(edit.keyPath);
    const origin =
      loaded.origins[edit.keyPath.join('.')] ??
      Object.entries(loaded.origins).find(([path]) =>
        path.startsWith(`${edit.keyPath.join('.')}.`),
      )?.[1];
    if (!origin) continue;
    const by =
      origin.name.type === 'user' && origin.name.profile
        ? `profile \`${origin.name.profile}\``
        : 'session flags';
    return {
      ...result,
      status: 'okOverridden',
      overriddenMetadata: {
        message: `\`${key}\` was written, but ${by} override it`,
        effectiveValue: effective ?? null,
        overridingLayer: origin,
      },
    };
  }
  return result;
}
