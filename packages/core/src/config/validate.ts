import type { z } from 'zod';
import { type ConfigToml, ConfigTomlSchema } from './schema.js';
import { describeValue as describe, isPlainObject } from './toml.js';

/** One invalid value: where it is and what is wrong, in words a user can act on. */
export interface ValueProblem {
  readonly path: readonly string[];
  readonly message: string;
}

/** The outcome of checking one layer of configuration. */
export interface LayerCheck {
  /** The layer with unknown keys removed; only meaningful when `problems` is empty. */
  readonly value: ConfigToml;
  readonly unknownKeys: readonly (readonly string[])[];
  readonly problems: readonly ValueProblem[];
}

const valueAt = (root: unknown, path: readonly PropertyKey[]): unknown => {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
};

function problemText(issue: z.core.$ZodIssue, input: unknown): string {
  const actual = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_value':
      return `${describe(actual, true)} is not allowed; expected one of ${issue.values
        .map((value) => JSON.stringify(value))
        .join(', ')}`;
    case 'invalid_type':
      return `expected ${issue.expected === 'record' || issue.expected === 'object' ? 'a table' : issue.expected}, got ${describe(actual)}`;
    case 'too_small':
      return issue.origin === 'string'
        ? 'must not be empty'
        : `must be at least ${String(issue.minimum)}, got ${describe(actual)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}, got ${describe(actual)}`;
    case 'custom':
      return issue.message;
    default:
      return `${issue.message} (got ${describe(actual)})`;
  }
}

/** Unknown keys of one layer, as key paths sorted the way the original lists them. */
export function unknownKeysOf(input: unknown): string[][] {
  const result = ConfigTomlSchema.safeParse(input);
  if (result.success) return [];
  const keys: string[][] = [];
  for (const issue of result.error.issues)
    if (issue.code === 'unrecognized_keys')
      for (const key of issue.keys) keys.push([...issue.path.map(String), key]);
  return keys.sort((a, b) => (a.join('.') < b.join('.') ? -1 : a.join('.') > b.join('.') ? 1 : 0));
}

/**
 * Checks one layer (a file, a profile, a set of overrides) or the merged configuration.
 * Unknown keys are collected, not fatal; every invalid value is reported with its key path.
 */
export function checkLayer(input: unknown): LayerCheck {
  const unknownKeys: string[][] = [];
  let candidate: unknown = input;
  for (let attempt = 0; attempt < 2; attempt++) {
    const result = ConfigTomlSchema.safeParse(candidate);
    if (result.success) return { value: result.data, unknownKeys, problems: [] };
    const unrecognized = result.error.issues.filter((issue) => issue.code === 'unrecognized_keys');
    const problems = result.error.issues
      .filter((issue) => issue.code !== 'unrecognized_keys')
      .map((issue) => ({
        path: issue.path.map(String),
        message: problemText(issue, candidate),
      }));
    for (const issue of unrecognized)
      for (const key of issue.keys) unknownKeys.push([...issue.path.map(String), key]);
    if (problems.length > 0 || unrecognized.length === 0)
      return { value: {}, unknownKeys, problems };
    candidate = withoutKeys(candidate, unknownKeys);
  }
  return { value: {}, unknownKeys, problems: [{ path: [], message: 'could not be validated' }] };
}

function withoutKeys(input: unknown, paths: readonly (readonly string[])[]): unknown {
  const copy = structuredClone(input) as Record<string, unknown>;
  for (const path of paths) {
    const parent = valueAt(copy, path.slice(0, -1));
    if (isPlainObject(parent)) delete parent[path[path.length - 1] as string];
  }
  return copy;
}
