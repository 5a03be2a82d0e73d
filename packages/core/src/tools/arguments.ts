import { CodexError } from '@codex/common';
import { z } from 'zod';

/** Why a tool call's arguments were refused. */
export type ToolArgumentsErrorCode = 'invalid_arguments';

/**
 * A tool call's arguments could not be used. The message is what the model is told, in the
 * original's words (`failed to parse function arguments: missing field \`cmd\``).
 */
export class ToolArgumentsError extends CodexError<ToolArgumentsErrorCode> {
  static override readonly brand = 'codex.core.ToolArgumentsError';
  /** The reason without the `failed to parse function arguments: ` prefix. */
  readonly detail: string;

  constructor(
    code: ToolArgumentsErrorCode,
    message: string,
    details: { detail: string; cause?: unknown },
  ) {
    super(code, message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.detail = details.detail;
  }
}

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

/**
 * Parses a function tool call's JSON arguments with `schema`. Failures throw a
 * {@link ToolArgumentsError} (`invalid_arguments`) whose message is what the original tells the
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
    throw invalidArguments(`invalid type: ${describeValue(value, true)}, expected a map`);
  }
  const parsed = parseArguments(schema, value, { quoteValues: true });
  if (parsed.success) return parsed.data;
  throw invalidArguments(parsed.problem);
}

/** What {@link parseArguments} returns. */
export type ParsedArguments<T> =
  | {
      /** The arguments matched the schema. */
      readonly success: true;
      /** The parsed arguments. */
      readonly data: T;
    }
  | {
      /** They did not. */
      readonly success: false;
      /** What was wrong, worded for the model. */
      readonly problem: string;
    };

/**
 * Parses already-decoded arguments (a JSON object) with `schema`; a failure comes back as
 * serde's wording of the first problem (`missing field \`prompt\``, `unknown variant
 * \`sometimes\`, expected \`on-request\` or \`never\``, `unknown field \`x\`, expected one of …`).
 * Values are only quoted back with `quoteValues` (never for input that may hold secrets); without
 * them, the message names the field instead (`… at \`prompt\``).
 */
export function parseArguments<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  options: { readonly quoteValues?: boolean } = {},
): ParsedArguments<z.infer<Schema>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      success: false,
      problem: `invalid type: ${describeValue(value, false)}, expected a map`,
    };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { success: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  if (!issue) return { success: false, problem: parsed.error.message };
  const quote = options.quoteValues ?? false;
  const problem = describeIssue(issue, value, schema, quote);
  // serde does not say where; without the value to go by, say which field it is.
  const named = quote || issue.path.length === 0 || /^(missing|unknown) field/.test(problem);
  return {
    success: false,
    problem: named ? problem : `${problem} at \`${issue.path.map(String).join('.')}\``,
  };
}

function invalidArguments(detail: string, cause?: unknown): ToolArgumentsError {
  return new ToolArgumentsError(
    'invalid_arguments',
    `failed to parse function arguments: ${detail}`,
    {
      detail,
      cause,
    },
  );
}

function describeIssue(issue: Issue, input: unknown, schema: z.ZodType, quote: boolean): string {
  if (issue.code === 'unrecognized_keys') {
    const known = schemaKeys(schema, issue.path).map((key) => `\`${key}\``);
    const unknown = `unknown field \`${issue.keys[0] ?? ''}\``;
    return known.length > 0 ? `${unknown}, expected ${listVariants(known)}` : unknown;
  }
  const value = valueAt(input, issue.path);
  const field = issue.path[0];
  if (value === undefined && issue.path.length === 1 && typeof field === 'string') {
    return `missing field \`${field}\``;
  }
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    const variants = issue.values.map((variant) => `\`${String(variant)}\``);
    const given = quote ? ` \`${value}\`` : '';
    return `unknown variant${given}, expected ${listVariants(variants)}`;
  }
  const expected = expectation(issue, schema);
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    return `invalid value: ${describeValue(value, quote)}, expected ${expected}`;
  }
  return `invalid type: ${describeValue(value, quote)}, expected ${expected}`;
}

/** The declared keys of the object schema at `path` (for "expected one of"). */
function schemaKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  for (const key of path) {
    if (!(current instanceof z.ZodObject)) return [];
    current = current.shape[String(key)];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
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
      case 'record':
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

/** A JSON value as serde names it in "invalid type" errors; its value only with `quote`. */
function describeValue(value: unknown, quote: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (!quote) {
    if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'floating point';
    if (typeof value === 'string') return 'a string';
  }
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (typeof value === 'number') {
    return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  }
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return 'sequence';
  return 'map';
}
