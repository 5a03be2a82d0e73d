import { z } from 'zod';
import { DEFAULT_EXEC_YIELD_TIME_MS, DEFAULT_WRITE_STDIN_YIELD_TIME_MS } from './constants.js';
import { UnifiedExecError } from './errors.js';

/** Whether a command asks to run outside the sandbox (approval decides; see the caller). */
export const SandboxPermissionsSchema = z.enum(['use_default', 'require_escalated']);
/** Whether a command asks to run outside the sandbox. */
export type SandboxPermissions = z.infer<typeof SandboxPermissionsSchema>;

type Issue = z.core.$ZodIssue;

/** Integer schemas and the Rust type serde would name in their errors. */
const rustIntegerTypes = new WeakMap<z.ZodType, string>();

/** An integer argument; errors name it by its Rust type (`expected u64`), as serde does. */
export function integerArgument(rustType: 'u64' | 'usize' | 'i32'): z.ZodNumber {
  const [min, max] = rustType === 'i32' ? [-(2 ** 31), 2 ** 31 - 1] : [0, Number.MAX_SAFE_INTEGER];
  const schema = z.number().int().min(min).max(max);
  rustIntegerTypes.set(schema, rustType);
  return schema;
}

/** `exec_command`'s arguments as the model sends them. */
export const ExecCommandArgsSchema = z.object({
  cmd: z.string(),
  workdir: z.string().nullish(),
  shell: z.string().nullish(),
  login: z.boolean().nullish(),
  tty: z.boolean().default(false),
  yield_time_ms: integerArgument('u64').default(DEFAULT_EXEC_YIELD_TIME_MS),
  max_output_tokens: integerArgument('usize').nullish(),
  sandbox_permissions: SandboxPermissionsSchema.default('use_default'),
  justification: z.string().nullish(),
  prefix_rule: z.array(z.string()).nullish(),
});

/** `exec_command`'s arguments, parsed. */
export interface ExecCommandArgs {
  readonly cmd: string;
  /** Relative to the turn's cwd when not absolute; resolving it is the caller's job. */
  readonly workdir: string | undefined;
  readonly shell: string | undefined;
  readonly login: boolean | undefined;
  readonly tty: boolean;
  readonly yieldTimeMs: number;
  readonly maxOutputTokens: number | undefined;
  readonly sandboxPermissions: SandboxPermissions;
  readonly justification: string | undefined;
  readonly prefixRule: readonly string[] | undefined;
}

/** `write_stdin`'s arguments as the model sends them. */
export const WriteStdinArgsSchema = z.object({
  session_id: integerArgument('i32'),
  chars: z.string().default(''),
  yield_time_ms: integerArgument('u64').default(DEFAULT_WRITE_STDIN_YIELD_TIME_MS),
  max_output_tokens: integerArgument('usize').nullish(),
});

/** `write_stdin`'s arguments, parsed. */
export interface WriteStdinArgs {
  readonly sessionId: number;
  /** Empty polls. */
  readonly chars: string;
  readonly yieldTimeMs: number;
  readonly maxOutputTokens: number | undefined;
}

/** Parses `exec_command`'s JSON arguments; failures name the field as the original does. */
export function parseExecCommandArgs(json: string): ExecCommandArgs {
  const args = parseFunctionArguments(ExecCommandArgsSchema, json);
  return {
    cmd: args.cmd,
    workdir: args.workdir ?? undefined,
    shell: args.shell ?? undefined,
    login: args.login ?? undefined,
    tty: args.tty,
    yieldTimeMs: args.yield_time_ms,
    maxOutputTokens: args.max_output_tokens ?? undefined,
    sandboxPermissions: args.sandbox_permissions,
    justification: args.justification ?? undefined,
    prefixRule: args.prefix_rule ?? undefined,
  };
}

/** Parses `write_stdin`'s JSON arguments. */
export function parseWriteStdinArgs(json: string): WriteStdinArgs {
  const args = parseFunctionArguments(WriteStdinArgsSchema, json);
  return {
    sessionId: args.session_id,
    chars: args.chars,
    yieldTimeMs: args.yield_time_ms,
    maxOutputTokens: args.max_output_tokens ?? undefined,
  };
}

/**
 * Parses a function tool call's JSON arguments with `schema`. Failures throw a
 * {@link UnifiedExecError} (`invalid_arguments`) whose message is what the original tells the
 * model: `failed to parse function arguments: ` and serde's wording (`missing field \`cmd\``,
 * `invalid type: integer \`5\`, expected a string`), without serde's line and column.
 */
export function parseFunctionArguments<Schema extends z.ZodType>(
  schema: Schema,
  json: string,
): z.infer<Schema> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw invalidArguments(error instanceof Error ? error.message : String(error), error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArguments(`invalid type: ${describeValue(value)}, expected a map`);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw invalidArguments(issue ? describeIssue(issue, value, schema) : parsed.error.message);
}

function invalidArguments(detail: string, cause?: unknown): UnifiedExecError {
  return new UnifiedExecError(
    'invalid_arguments',
    `failed to parse function arguments: ${detail}`,
    {
      detail,
      cause,
    },
  );
}

function describeIssue(issue: Issue, input: unknown, schema: z.ZodType): string {
  const value = valueAt(input, issue.path);
  const field = issue.path[0];
  if (value === undefined && issue.path.length === 1 && typeof field === 'string') {
    return `missing field \`${field}\``;
  }
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    const variants = issue.values.map((variant) => `\`${String(variant)}\``);
    return `unknown variant \`${value}\`, expected ${listVariants(variants)}`;
  }
  const expected = expectation(issue, schema);
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    return `invalid value: ${describeValue(value)}, expected ${expected}`;
  }
  return `invalid type: ${describeValue(value)}, expected ${expected}`;
}

/** What serde would say it expected at the issue's path. */
function expectation(issue: Issue, schema: z.ZodType): string {
  const rustType = rustTypeAt(schema, issue.path);
  if (rustType) return rustType;
  if (issue.code === 'invalid_type') {
    switch (issue.expected) {
      case 'string':
        return 'a string';
      case 'boolean':
        return 'a boolean';
      case 'array':
        return 'a sequence';
      case 'object':
        return 'a map';
      default:
        return String(issue.expected);
    }
  }
  if (issue.code === 'invalid_value') {
    return listVariants(issue.values.map((variant) => `\`${String(variant)}\``));
  }
  return 'a valid value';
}

/** The Rust integer type of the object field at `path`, when it is an integer argument. */
function rustTypeAt(schema: z.ZodType, path: readonly PropertyKey[]): string | undefined {
  const [field] = path;
  if (path.length !== 1 || typeof field !== 'string' || !(schema instanceof z.ZodObject)) {
    return undefined;
  }
  let fieldSchema: unknown = schema.shape[field];
  // Look through `.default()` / `.nullish()` wrappers to the declared type.
  while (fieldSchema instanceof z.ZodType) {
    const rustType = rustIntegerTypes.get(fieldSchema);
    if (rustType) return rustType;
    const inner: unknown = (fieldSchema.def as { innerType?: unknown }).innerType;
    if (inner === undefined) return undefined;
    fieldSchema = inner;
  }
  return undefined;
}

function listVariants(variants: readonly string[]): string {
  if (variants.length === 1) return variants[0] ?? '';
  if (variants.length === 2) return `${variants[0]} or ${variants[1]}`;
  return `one of ${variants.join(', ')}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A JSON value as serde names it in "invalid type" errors. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (typeof value === 'number') {
    return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  }
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return 'sequence';
  return 'map';
}
