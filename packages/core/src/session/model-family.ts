import type { Config } from '../config/load.js';

/** What the session needs to know about a model to prompt it well. */
export interface ModelFamily {
  readonly slug: string;
  /** Whether the model is in the catalog (an unknown model gets a warning and fallbacks). */
  readonly known: boolean;
  /** `freeform`: a custom tool with a grammar; `function`: a JSON tool with one `input` string. */
  readonly applyPatchTool: 'freeform' | 'function';
  /** `unified_exec`: `exec_command` + `write_stdin`; `shell`: the legacy argv tool. */
  readonly shellTool: 'unified_exec' | 'shell';
  /** Tokens of context the agent plans with (the window less the original's 5 % reserve). */
  readonly contextWindow: number;
}

/** The context window the original assumes for any model it knows nothing about (272,000 × 95 %). */
export const FALLBACK_CONTEXT_WINDOW = 258_400;

/** Catalogued model slugs and prefixes: trained on the freeform `apply_patch` and unified exec. */
const CATALOGUE_PATTERNS = [/^gpt-5/, /^gpt-6/, /^gpt-daybreak-/, /^codex-/, /^o3/, /^o4-mini/];
const FUNCTION_PATCH_PATTERNS = [/^gpt-oss/, /^o3/, /^o4-mini/, /^gpt-4/];

const asBoolean = (value: unknown) => (typeof value === 'boolean' ? value : undefined);

/**
 * The family of `slug`. Config can force the legacy `shell` tool (`features.unified_exec =
 * false` or `experimental_use_unified_exec_tool = false`) and set `model_context_window`.
 */
export function modelFamily(slug: string, config?: Config): ModelFamily {
  const known = CATALOGUE_PATTERNS.some((pattern) => pattern.test(slug)) || /^gpt-oss/.test(slug);
  const toml = (config?.toml ?? {}) as Record<string, unknown>;
  const features = (toml.features ?? {}) as Record<string, unknown>;
  const unifiedExec =
    asBoolean(features.unified_exec) ?? asBoolean(toml.experimental_use_unified_exec_tool) ?? true;
  const window = toml.model_context_window;
  return {
    slug,
    known,
    applyPatchTool:
      known && !FUNCTION_PATCH_PATTERNS.some((pattern) => pattern.test(slug))
        ? 'freeform'
        : 'function',
    shellTool: unifiedExec ? 'unified_exec' : 'shell',
    contextWindow:
      typeof window === 'number' && window > 0
        ? Math.floor(window * 0.95)
        : FALLBACK_CONTEXT_WINDOW,
  };
}

/** The warning the original shows for a model outside its catalog. */
export const unknownModelWarning = (slug: string) =>
  `Model metadata for \`${slug}\` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.`;
