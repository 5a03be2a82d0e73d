// The hooks engine: user commands run at agent lifecycle points (Claude-Code-compatible format).

export { HOOK_OUTPUT_LIMIT_BYTES } from './command.js';
export { DEFAULT_HOOK_TIMEOUT_SEC } from './config.js';
export { HOOKS_JSON_FILE } from './discovery.js';
export { type HookRunContext, Hooks, type HooksLoadOptions } from './hooks.js';
export {
  HOOK_EVENT_NAMES,
  type HookEventName,
  type HookListing,
  type HookMetadata,
  type HookOutcome,
  type HookOutputEntry,
  type HookRunStatus,
  type HookRunSummary,
  type HookWireEventName,
} from './types.js';

import { Hooks as HooksEngine, type HooksLoadOptions as LoadOptions } from './hooks.js';
import type { HookListing as Listing } from './types.js';

/** The hooks a thread in `cwd` would run, as `hooks/list` reports them (never throws). */
export async function loadHookListing(options: LoadOptions): Promise<Listing> {
  return (await HooksEngine.load(options)).listing();
}
