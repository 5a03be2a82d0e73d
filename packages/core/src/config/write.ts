import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type AuthLogger, FileLockError, withFileLock, writeFileAtomic } from '@codex/auth';
import { applyConfigEdits, type ConfigEdit, type MergeStrategy } from './edit.js';
import { ConfigError } from './errors.js';
import {
  CONFIG_TOML_FILE,
  type ConfigLayerMetadata,
  type ConfigOverrides,
  contentVersion,
  findCodexHome,
  loadConfig,
  parseConfigText,
  splitKeyPath,
} from './load.js';
import { formatKeyPath, isPlainObject } from './toml.js';
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
  readonly overrides?: ConfigOverrides;
  /** How long to wait for another writer's lock. Default 30 s. */
  readonly lockTimeoutMs?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: AuthLogger;
}

/** What a write did; shaped as app-server v2 `ConfigWriteResponse`. */
export interface ConfigWriteResult {
  /** `okOverridden`: written, but a higher layer (profile, session flag) still wins. */
  readonly status: 'ok' | 'okOverridden';
  /** The file's new version. */
  readonly version: string;
  readonly filePath: string;
  readonly overriddenMetadata?: {
    readonly message: string;
    readonly effectiveValue: unknown;
    readonly overridingLayer: ConfigLayerMetadata;
  };
}

/** One edit as API callers give it: a dotted key path. */
export interface ConfigValueEdit {
  readonly keyPath: string;
  readonly value: unknown;
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

const valueAt = (root: unknown, path: readonly string[]): unknown => {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
};

/**
 * Applies edits to config.toml as one atomic change, under a lock shared with other processes.
 * Only the edited lines change; the user's comments, ordering and formatting stay. The result is
 * validated before it is written: an invalid value fails naming the key and the allowed values,
 * and nothing is written.
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
    try {
      return { ...edit, keyPath: splitKeyPath(edit.keyPath) };
    } catch (error) {
      throw new ConfigError('invalid_edit', (error as Error).message, {
        keyPath: edit.keyPath,
        cause: error,
      });
    }
  });

  let version: string;
  try {
    version = await withFileLock(
      filePath,
      { lockTimeoutMs: options.lockTimeoutMs, logger: options.logger },
      async () => {
        const { text, mode } = await readExisting(filePath);
        const current = contentVersion(text);
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
        parseConfigText(text, filePath); // a broken file is reported as such, not overwritten
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
        const check = checkLayer(parseConfigText(next, filePath).value);
        const problem = check.problems.find((item) =>
          parsed.some(
            (edit) =>
              item.path.join('\0').startsWith(edit.keyPath.join('\0')) ||
              edit.keyPath.join('\0').startsWith(item.path.join('\0')),
          ),
        );
        if (problem)
          throw new ConfigError(
            'invalid_value',
            `cannot write \`${formatKeyPath(problem.path)}\` to ${filePath}: ${problem.message}`,
            { file: filePath, keyPath: formatKeyPath(problem.path) },
          );
        if (next !== text) await writeFileAtomic(filePath, next, { mode, logger: options.logger });
        return contentVersion(next);
      },
    );
  } catch (error) {
    if (error instanceof FileLockError)
      throw new ConfigError('io', error.message, { file: filePath, cause: error });
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

async function readExisting(path: string): Promise<{ text: string; mode: number }> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { text, mode: info.mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', mode: 0o600 };
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
  const loaded = await loadConfig({
    codexHome,
    cliOverrides: options.cliOverrides,
    overrides: options.overrides,
    env: options.env,
  });
  const fileLayer = loaded.layers[0];
  for (const edit of edits) {
    const written = valueAt(fileLayer?.config, edit.keyPath);
    const effective = valueAt(loaded.config.toml, edit.keyPath);
    if (isDeepStrictEqual(written, effective)) continue;
    const key = formatKeyPath(edit.keyPath);
    const origin =
      loaded.origins[edit.keyPath.join('.')] ??
      Object.entries(loaded.origins).find(([path]) =>
        path.startsWith(`${edit.keyPath.join('.')}.`),
      )?.[1];
    if (!origin) continue;
    const by =
      origin.name.type === 'sessionFlags' ? 'session flags' : `profile \`${origin.name.profile}\``;
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
