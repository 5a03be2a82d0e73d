import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { v2 } from '@codex/protocol';
import { CONFIG_TOML_FILE } from '../config/load.js';
import { parseTomlDocument, TomlSyntaxError } from '../config/toml.js';
import {
  HOOK_STATE_KEY,
  type HookDeclaration,
  hookHash,
  hookKey,
  parseHookEvents,
} from './config.js';
import { HOOK_EVENT_NAMES, HOOK_EVENTS, type HookListing, type HookMetadata } from './types.js';

/** The file of hooks in a config folder (`$CODEX_HOME` or a project's `.codex`). */
export const HOOKS_JSON_FILE = 'hooks.json';
const PROJECT_CONFIG_FOLDER = '.codex';
const DEFAULT_PROJECT_ROOT_MARKERS = ['.git'] as const;

/** A handler as discovered: its declaration, where it came from, and whether it may run. */
export interface DiscoveredHook extends HookDeclaration {
  readonly key: string;
  readonly sourcePath: string;
  readonly source: v2.HookSource;
  readonly displayOrder: number;
  readonly currentHash: string;
  readonly trustStatus: v2.HookTrustStatus;
  readonly enabled: boolean;
}

/** What {@link discoverHooks} found for one cwd. */
export interface Discovery {
  /** Every listed hook, in display order; only those {@link isRunnable} ever run. */
  readonly hooks: readonly DiscoveredHook[];
  readonly listing: HookListing;
}

/** Inputs of {@link discoverHooks}. */
export interface DiscoveryOptions {
  readonly codexHome: string;
  readonly cwd: string;
  /** The merged user config.toml: `[hooks]`, `[hooks.state]`, `projects`, `project_root_markers`. */
  readonly toml: Readonly<Record<string, unknown>>;
}

/** A hook runs only when enabled and trusted with its current definition. */
export const isRunnable = (hook: DiscoveredHook): boolean =>
  hook.enabled && hook.trustStatus === 'trusted';

type Table = Record<string, unknown>;
const isTable = (value: unknown): value is Table =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** One source of hooks: a file's event table, or the problem that kept it from being read. */
type Source =
  | { readonly path: string; readonly events: unknown }
  | { readonly path: string; readonly error: string }
  | null;

/** A config layer: its hooks.json and its config.toml `[hooks]`, json first as in the original. */
interface Layer {
  readonly source: v2.HookSource;
  readonly json: Source;
  readonly toml: Source;
}

/**
 * Finds the hooks of a thread in `cwd`, as the original does: `$CODEX_HOME/hooks.json` and the
 * user config.toml's `[hooks]` (source `user`), then, for a trusted project only, each
 * `.codex/hooks.json` and `.codex/config.toml` from the project root down to `cwd` (source
 * `project`). Never throws: unreadable or malformed files become `errors` of the listing, and
 * unusable entries `warnings`.
 */
export async function discoverHooks(options: DiscoveryOptions): Promise<Discovery> {
  const codexHome = resolve(options.codexHome);
  const cwd = resolve(options.cwd);
  const userHooks = isTable(options.toml.hooks) ? options.toml.hooks : undefined;
  const layers: Layer[] = [
    {
      source: 'user',
      json: await readHooksJson(join(codexHome, HOOKS_JSON_FILE)),
      toml:
        userHooks === undefined
          ? null
          : { path: join(codexHome, CONFIG_TOML_FILE), events: withoutState(userHooks) },
    },
  ];
  const root = await projectRoot(cwd, options.toml);
  if (isTrustedProject(options.toml, root, cwd)) {
    for (const folder of await projectConfigFolders(cwd, root, codexHome))
      layers.push({
        source: 'project',
        json: await readHooksJson(join(folder, HOOKS_JSON_FILE)),
        toml: await readTomlHooks(join(folder, CONFIG_TOML_FILE)),
      });
  }

  const states = hookStates(userHooks);
  const hooks: DiscoveredHook[] = [];
  const warnings: string[] = [];
  const errors: v2.HookErrorInfo[] = [];
  for (const layer of layers) {
    const sources = [layer.json, layer.toml].filter((source) => source !== null);
    const withEvents = sources.filter((source) => 'events' in source && hasEvents(source.events));
    if (withEvents.length === 2)
      warnings.push(
        `loading hooks from both ${withEvents[0]?.path} and ${withEvents[1]?.path}; prefer a single representation for this layer`,
      );
    for (const source of sources) {
      if ('error' in source) {
        errors.push({ path: source.path, message: source.error });
        continue;
      }
      const parsed = parseHookEvents(source.events, source.path);
      warnings.push(...parsed.warnings);
      for (const declaration of parsed.declarations) {
        const key = hookKey(source.path, declaration);
        const state = states.get(key);
        const currentHash = hookHash(declaration);
        hooks.push({
          ...declaration,
          key,
          sourcePath: source.path,
          source: layer.source,
          displayOrder: hooks.length,
          currentHash,
          trustStatus:
            state?.trustedHash === undefined
              ? 'untrusted'
              : state.trustedHash === currentHash
                ? 'trusted'
                : 'modified',
          enabled: state?.enabled !== false,
        });
      }
    }
  }
  return { hooks, listing: { cwd, hooks: hooks.map(metadataOf), warnings, errors } };
}

/** The v2 `HookMetadata` of a hook, keys in the order the original writes them. */
function metadataOf(hook: DiscoveredHook): HookMetadata {
  return {
    key: hook.key,
    eventName: HOOK_EVENTS[hook.event].wire,
    handlerType: 'command',
    command: hook.command,
    async: hook.async,
    matcher: hook.matcher.pattern,
    timeoutSec: hook.timeoutSec,
    statusMessage: hook.statusMessage,
    additionalContextLimit: null,
    sourcePath: hook.sourcePath,
    source: hook.source,
    pluginId: null,
    environmentId: null,
    displayOrder: hook.displayOrder,
    enabled: hook.enabled,
    isManaged: false,
    currentHash: hook.currentHash,
    trustStatus: hook.trustStatus,
  };
}

const withoutState = (hooks: Table): Table =>
  Object.fromEntries(Object.entries(hooks).filter(([key]) => key !== HOOK_STATE_KEY));

const hasEvents = (events: unknown): boolean =>
  isTable(events) &&
  HOOK_EVENT_NAMES.some((event) => Array.isArray(events[event]) && events[event].length > 0);

interface HookState {
  readonly enabled?: boolean;
  readonly trustedHash?: string;
}

/** `[hooks.state."<key>"]` tables; entries of the wrong type are ignored. */
function hookStates(hooks: Table | undefined): Map<string, HookState> {
  const states = new Map<string, HookState>();
  const table = hooks?.[HOOK_STATE_KEY];
  if (!isTable(table)) return states;
  for (const [key, value] of Object.entries(table)) {
    if (!isTable(value)) continue;
    states.set(key, {
      ...(typeof value.enabled === 'boolean' ? { enabled: value.enabled } : {}),
      ...(typeof value.trusted_hash === 'string' ? { trustedHash: value.trusted_hash } : {}),
    });
  }
  return states;
}

/** Reads a file, or null when there is none (missing, or not a file). */
async function readIfFile(path: string): Promise<string | null> {
  try {
    if (!(await stat(path)).isFile()) return null;
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

const isMissing = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : 'unknown');

async function readHooksJson(path: string): Promise<Source> {
  let text: string | null;
  try {
    text = await readIfFile(path);
  } catch (error) {
    return { path, error: `failed to read hooks config: ${reasonOf(error)}` };
  }
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { path, error: `failed to parse hooks config: ${describeJsonError(text, error)}` };
  }
  if (!isTable(parsed)) return { path, error: 'failed to parse hooks config: expected an object' };
  return { path, events: parsed.hooks };
}

async function readTomlHooks(path: string): Promise<Source> {
  let text: string | null;
  try {
    text = await readIfFile(path);
  } catch (error) {
    return { path, error: `failed to read config: ${reasonOf(error)}` };
  }
  if (text === null) return null;
  try {
    const hooks = parseTomlDocument(text).value.hooks;
    return isTable(hooks) ? { path, events: withoutState(hooks) } : null;
  } catch (error) {
    // The syntax error's message never quotes the file; anything else might, so it is not shown.
    const reason =
      error instanceof TomlSyntaxError
        ? `${error.message} at line ${error.line}, column ${error.column}`
        : 'invalid TOML';
    return { path, error: `failed to parse TOML hooks: ${reason}` };
  }
}

/**
 * A JSON syntax error as a position: V8's own message may quote the text, and a hooks file can
 * hold secrets (a token in a command line).
 */
function describeJsonError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined)
    return /end of (JSON )?input/i.test(message) ? 'unexpected end of input' : 'invalid JSON';
  const before = text.slice(0, Number(position)).split('\n');
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  return `invalid JSON at line ${line}, column ${column}`;
}

function rootMarkers(toml: Readonly<Table>): readonly string[] {
  const markers = toml.project_root_markers;
  return Array.isArray(markers) && markers.every((marker) => typeof marker === 'string')
    ? markers
    : DEFAULT_PROJECT_ROOT_MARKERS;
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The nearest folder at or above `cwd` holding a root marker (`.git`), else `cwd` itself. */
async function projectRoot(cwd: string, toml: Readonly<Table>): Promise<string> {
  const markers = rootMarkers(toml);
  for (let folder = cwd; ; folder = dirname(folder)) {
    for (const marker of markers) if (await exists(join(folder, marker))) return folder;
    if (dirname(folder) === folder) return cwd;
  }
}

/** Project config is loaded only for a folder marked `trust_level = "trusted"` in `[projects]`. */
function isTrustedProject(toml: Readonly<Table>, root: string, cwd: string): boolean {
  const projects = toml.projects;
  if (!isTable(projects)) return false;
  return [root, cwd].some((folder) => {
    const project = projects[folder];
    return isTable(project) && project.trust_level === 'trusted';
  });
}

/** The `.codex` folders from the project root down to `cwd`, lowest precedence first. */
async function projectConfigFolders(
  cwd: string,
  root: string,
  codexHome: string,
): Promise<string[]> {
  const chain: string[] = [];
  for (let folder = cwd; ; folder = dirname(folder)) {
    chain.unshift(folder);
    if (folder === root || dirname(folder) === folder) break;
  }
  const folders: string[] = [];
  for (const folder of chain) {
    const candidate = join(folder, PROJECT_CONFIG_FOLDER);
    // `~/.codex` is the user layer when the thread runs in the home folder.
    if (candidate === codexHome) continue;
    if ((await stat(candidate).catch(() => null))?.isDirectory()) folders.push(candidate);
  }
  return folders;
}
