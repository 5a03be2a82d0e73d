import { type AST, getStaticTOMLValue, ParseError, parseTOML } from 'toml-eslint-parser';

/** A TOML table as plain data. */
export type TomlTable = { [key: string]: TomlValue };
/** A TOML value as plain data. */
export type TomlValue = string | number | boolean | Date | TomlValue[] | TomlTable;

/** A 1-based line/column span inside a file. */
export interface SourceSpan {
  readonly start: { readonly line: number; readonly column: number };
  readonly end: { readonly line: number; readonly column: number };
}

/** A syntax error in a TOML text, with its 1-based position. */
export class TomlSyntaxError extends Error {
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TomlSyntaxError';
    this.line = line;
    this.column = column;
  }
}

/** Where each key path of a document is defined. */
export interface KeyLocation {
  /** The key-value or table header defining the path. */
  readonly span: SourceSpan;
  /** Character offsets of the whole definition. */
  readonly range: readonly [number, number];
}

/** A parsed TOML text that remembers where each key is. */
export interface TomlDocument {
  readonly text: string;
  readonly ast: AST.TOMLProgram;
  readonly value: TomlTable;
  /** Location of the definition of `path` (or the closest enclosing one that exists). */
  locate(path: readonly string[]): KeyLocation | undefined;
}

const spanOf = (node: AST.HasLocs): SourceSpan => ({
  start: { line: node.loc.start.line, column: node.loc.start.column + 1 },
  end: { line: node.loc.end.line, column: node.loc.end.column + 1 },
});

/** The key names of a key node. */
export function keyNames(key: AST.TOMLKey): string[] {
  return key.keys.map((part) => (part.type === 'TOMLBare' ? part.name : part.value));
}

const pathKey = (path: readonly (string | number)[]) => JSON.stringify(path);

/** Parses `text`; syntax errors carry the 1-based line and column. */
export function parseTomlDocument(text: string): TomlDocument {
  let ast: AST.TOMLProgram;
  try {
    ast = parseTOML(text, { tomlVersion: '1.0' });
  } catch (error) {
    if (error instanceof ParseError)
      throw new TomlSyntaxError(error.message, error.lineNumber, error.column + 1, {
        cause: error,
      });
    throw error;
  }
  const value = getStaticTOMLValue(ast) as TomlTable;
  const locations = new Map<string, KeyLocation>();
  const record = (path: readonly (string | number)[], node: AST.HasLocs) => {
    const key = pathKey(path);
    if (!locations.has(key)) locations.set(key, { span: spanOf(node), range: node.range });
  };
  const visitKeyValues = (prefix: readonly (string | number)[], body: AST.TOMLKeyValue[]) => {
    for (const entry of body) {
      const names = keyNames(entry.key);
      for (let i = 1; i <= names.length; i++) record([...prefix, ...names.slice(0, i)], entry);
      if (entry.value.type === 'TOMLInlineTable')
        visitKeyValues([...prefix, ...names], entry.value.body);
    }
  };
  const top = ast.body[0];
  for (const node of top.body) {
    if (node.type === 'TOMLKeyValue') {
      visitKeyValues([], [node]);
      continue;
    }
    const path = node.resolvedKey;
    for (let i = 1; i <= path.length; i++) record(path.slice(0, i), node);
    visitKeyValues(path, node.body);
  }
  return {
    text,
    ast,
    value,
    locate(path) {
      for (let length = path.length; length > 0; length--) {
        const found = locations.get(pathKey(path.slice(0, length)));
        if (found) return found;
      }
      return undefined;
    },
  };
}

/** Parses one TOML value written on its own (the right-hand side of `key = value`). */
export function parseTomlValue(text: string): TomlValue {
  const parsed = parseTomlDocument(`value = ${text}\n`).value.value;
  if (parsed === undefined) throw new TomlSyntaxError('missing value', 1, 1);
  return parsed;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** A key segment as TOML writes it: bare when it can be, else a quoted string. */
export function formatKey(segment: string): string {
  return BARE_KEY.test(segment) ? segment : JSON.stringify(segment);
}

/** A dotted key path as TOML writes it. */
export function formatKeyPath(path: readonly string[]): string {
  return path.map(formatKey).join('.');
}

/** A plain `{}` object (not an array, date or class instance). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof Date) &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

/**
 * One value as TOML text on a single line (tables become inline tables). Throws a TypeError
 * naming the problem for values TOML cannot hold (null inside arrays, functions, NaN keys…).
 */
export function formatTomlValue(value: unknown, where = 'value'): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return String(value);
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value))
    return `[${value.map((item, index) => formatTomlValue(item, `${where}[${index}]`)).join(', ')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return '{}';
    return `{ ${entries
      .map(([key, item]) => `${formatKey(key)} = ${formatTomlValue(item, `${where}.${key}`)}`)
      .join(', ')} }`;
  }
  throw new TypeError(
    `${where}: ${value === null ? 'null' : typeof value} cannot be written to TOML`,
  );
}
