import { versionOf } from '../config/toml.js';
import { compileMatcher, type Matcher } from './matcher.js';
import { HOOK_EVENT_NAMES, HOOK_EVENTS, type HookEventName, isHookEventName } from './types.js';

/** A handler's timeout when none is configured: ten minutes, as in the original. */
export const DEFAULT_HOOK_TIMEOUT_SEC = 600;

/** Events the original knows but this engine does not run; their hooks are skipped with a warning. */
const UNSUPPORTED_EVENTS = new Set([
  'PermissionRequest',
  'PreCompact',
  'PostCompact',
  'SessionEnd',
  'SubagentStart',
  'SubagentStop',
  'Interrupt',
  'PreModelRequest',
  'PostModelRequest',
]);

/** The sub-table of `[hooks]` in config.toml that holds trust state, not events. */
export const HOOK_STATE_KEY = 'state';

/** One `type: "command"` handler as configured, checked. */
export interface HookDeclaration {
  readonly event: HookEventName;
  readonly groupIndex: number;
  readonly handlerIndex: number;
  /** Null when the group has none or the event ignores matchers (UserPromptSubmit, Stop). */
  readonly matcher: Matcher;
  readonly command: string;
  readonly timeoutSec: number;
  readonly async: boolean;
  readonly statusMessage: string | null;
}

/** What {@link parseHookEvents} found in one source. */
export interface ParsedHookEvents {
  readonly declarations: HookDeclaration[];
  readonly warnings: string[];
}

type Table = Record<string, unknown>;
const isTable = (value: unknown): value is Table =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the event table of one source (`hooks` of hooks.json, or `[hooks]` of a config.toml minus
 * `state`). Never throws: whatever cannot be used is skipped with a warning naming `sourcePath`.
 * Indices stay those of the file, so skipping one entry never changes another's key.
 */
export function parseHookEvents(events: unknown, sourcePath: string): ParsedHookEvents {
  const declarations: HookDeclaration[] = [];
  const warnings: string[] = [];
  if (events === undefined || events === null) return { declarations, warnings };
  if (!isTable(events)) {
    warnings.push(`invalid hooks in ${sourcePath}: expected a table of events`);
    return { declarations, warnings };
  }
  for (const name of Object.keys(events)) {
    if (name === HOOK_STATE_KEY || isHookEventName(name)) continue;
    warnings.push(
      UNSUPPORTED_EVENTS.has(name)
        ? `skipping ${name} hooks in ${sourcePath}: the event is not supported`
        : `skipping unknown hook event \`${name}\` in ${sourcePath}`,
    );
  }
  for (const event of HOOK_EVENT_NAMES) {
    const groups = events[event];
    if (groups === undefined) continue;
    if (!Array.isArray(groups)) {
      warnings.push(`invalid ${event} hooks in ${sourcePath}: expected an array of matcher groups`);
      continue;
    }
    groups.forEach((group, groupIndex) => {
      parseGroup(event, group, groupIndex, sourcePath, declarations, warnings);
    });
  }
  return { declarations, warnings };
}

function parseGroup(
  event: HookEventName,
  group: unknown,
  groupIndex: number,
  sourcePath: string,
  declarations: HookDeclaration[],
  warnings: string[],
): void {
  const where = `${event}[${groupIndex}] in ${sourcePath}`;
  if (!isTable(group)) {
    warnings.push(`invalid hook group ${where}: expected a table`);
    return;
  }
  const rawMatcher = group.matcher ?? null;
  if (rawMatcher !== null && typeof rawMatcher !== 'string') {
    warnings.push(`invalid matcher in ${where}: expected a string`);
    return;
  }
  // UserPromptSubmit and Stop have nothing to match: their matcher is dropped, never checked.
  const pattern = HOOK_EVENTS[event].matcherField === null ? null : rawMatcher;
  let matcher: Matcher;
  try {
    matcher = compileMatcher(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    warnings.push(`invalid matcher ${JSON.stringify(pattern)} in ${sourcePath}: ${reason}`);
    return;
  }
  const handlers = group.hooks ?? [];
  if (!Array.isArray(handlers)) {
    warnings.push(`invalid hooks of ${where}: expected an array of handlers`);
    return;
  }
  handlers.forEach((handler, handlerIndex) => {
    const declaration = parseHandler(handler, sourcePath, warnings);
    if (declaration !== null)
      declarations.push({ event, groupIndex, handlerIndex, matcher, ...declaration });
  });
}

type HandlerFields = Pick<HookDeclaration, 'command' | 'timeoutSec' | 'async' | 'statusMessage'>;

function parseHandler(handler: unknown, sourcePath: string, warnings: string[]) {
  if (!isTable(handler) || typeof handler.type !== 'string') {
    warnings.push(
      `skipping hook handler in ${sourcePath}: expected a table with a string \`type\``,
    );
    return null;
  }
  if (handler.type !== 'command') {
    warnings.push(
      `skipping ${handler.type} hook in ${sourcePath}: ${handler.type} hooks are not supported`,
    );
    return null;
  }
  const { command, timeout, async, statusMessage } = handler;
  const wrong = (key: string, expected: string) => {
    warnings.push(`skipping command hook in ${sourcePath}: \`${key}\` must be ${expected}`);
    return null;
  };
  if (typeof command !== 'string') return wrong('command', 'a string');
  if (timeout !== undefined && !(Number.isSafeInteger(timeout) && (timeout as number) >= 0))
    return wrong('timeout', 'a whole number of seconds');
  if (async !== undefined && typeof async !== 'boolean') return wrong('async', 'a boolean');
  if (statusMessage !== undefined && statusMessage !== null && typeof statusMessage !== 'string')
    return wrong('statusMessage', 'a string');
  if (command.trim().length === 0) {
    warnings.push(`skipping empty hook command in ${sourcePath}`);
    return null;
  }
  const fields: HandlerFields = {
    command,
    timeoutSec: Math.max(1, (timeout as number | undefined) ?? DEFAULT_HOOK_TIMEOUT_SEC),
    async: async ?? false,
    statusMessage: statusMessage ?? null,
  };
  return fields;
}

/** `[hooks.state."<key>"]` key of a handler: `<sourcePath>:<event_snake>:<group>:<handler>`. */
export function hookKey(sourcePath: string, declaration: HookDeclaration): string {
  const { snake } = HOOK_EVENTS[declaration.event];
  return `${sourcePath}:${snake}:${declaration.groupIndex}:${declaration.handlerIndex}`;
}

/**
 * `currentHash` of a handler, computed as the original computes it (checked against its
 * output): `sha256:` of the canonical JSON of `{event_name, matcher?, hooks: [handler]}`, the
 * handler normalised (`timeout` filled in, absent options left out). It does not depend on the
 * file, so the same hook in hooks.json or config.toml has the same hash.
 */
export function hookHash(declaration: HookDeclaration): string {
  return versionOf({
    event_name: HOOK_EVENTS[declaration.event].snake,
    matcher: declaration.matcher.pattern ?? undefined,
    hooks: [
      {
        type: 'command',
        command: declaration.command,
        timeout: declaration.timeoutSec,
        async: declaration.async,
        statusMessage: declaration.statusMessage ?? undefined,
      },
    ],
  });
}
