import { createHash } from 'node:crypto';
import { CodexError } from '@codex/common';
import { type AST, ParseError, parseTOML } from 'toml-eslint-parser';

/** A TOML table as plain data. */
export type TomlTable = { [key: string]: TomlValue };
/**
 * A TOML value as plain data: JSON-compatible, so datetimes are their TOML text
 * (`1979-05-27T07:32:00Z`), as the original reports them.
 */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;

/** A 1-based line/column span inside a file. */
export interface SourceSpan {
  readonly start: { readonly line: number; readonly column: number };
  readonly end: { readonly line: number; readonly column: number };
}

/** A syntax error in a TOML text, with its 1-based position. The message never quotes the text. */
export class TomlSyntaxError extends CodexError<'syntax'> {
  static override readonly brand = 'codex.core.TomlSyntaxError';
  readonly line: number;
  readonly column: number;

  constructor(message: string, line: number, column: number, options?: { cause?: unknown }) {
    super('syntax', message, options);
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
  /**
   * `sha256:<hex>` of the document's content as canonical JSON (sorted keys, floats written
   * as floats): the layer `version` the original reports, unaffected by comments or layout.
   */
  readonly version: string;
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
  const tree = buildTree(ast);
  const value = plainValue(tree) as TomlTable;
  const version = versionOfCanonical(canonicalTree(tree));
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
    version,
    locate(path) {
      for (let length = path.length; length > 0; length--) {
        const found = locations.get(pathKey(path.slice(0, length)));
        if (found) return found;
      }
      return undefined;
    },
  };
}

/** A TOML document as a tree whose leaves are still syntax nodes (so floats stay floats). */
type Tree = TreeTable;
type TreeTable = { [key: string]: TreeNode };
type TreeNode = AST.TOMLValue | TreeNode[] | TreeTable;

const isLeaf = (node: TreeNode): node is AST.TOMLValue =>
  !Array.isArray(node) && (node as { type?: unknown }).type === 'TOMLValue';

/** The key-value and table structure of a document, as the TOML spec resolves it. */
function buildTree(ast: AST.TOMLProgram): Tree {
  const root: TreeTable = Object.create(null);
  const setIn = (table: TreeTable, keys: readonly string[], value: TreeNode) => {
    let target = table;
    for (const key of keys.slice(0, -1)) target = descend(target, key);
    target[keys[keys.length - 1] as string] = value;
  };
  const descend = (table: TreeTable, key: string): TreeTable => {
    const current = table[key];
    if (Array.isArray(current)) return current[current.length - 1] as TreeTable;
    if (current === undefined || isLeaf(current)) {
      const next: TreeTable = Object.create(null);
      table[key] = next;
      return next;
    }
    return current;
  };
  const convert = (node: AST.TOMLContentNode): TreeNode => {
    if (node.type === 'TOMLValue') return node;
    if (node.type === 'TOMLArray') return node.elements.map(convert);
    const table: TreeTable = Object.create(null);
    for (const entry of node.body) setIn(table, keyNames(entry.key), convert(entry.value));
    return table;
  };
  for (const node of ast.body[0].body) {
    if (node.type === 'TOMLKeyValue') {
      setIn(root, keyNames(node.key), convert(node.value));
      continue;
    }
    const names = keyNames(node.key);
    let parent = root;
    for (const key of names.slice(0, -1)) parent = descend(parent, key);
    const last = names[names.length - 1] as string;
    const table: TreeTable = Object.create(null);
    if (node.kind === 'array') {
      const list = parent[last];
      if (Array.isArray(list)) list.push(table);
      else parent[last] = [table];
    } else {
      const existing = parent[last];
      if (existing !== undefined && !isLeaf(existing) && !Array.isArray(existing)) {
        for (const entry of node.body) setIn(existing, keyNames(entry.key), convert(entry.value));
        continue;
      }
      parent[last] = table;
    }
    for (const entry of node.body) setIn(table, keyNames(entry.key), convert(entry.value));
  }
  return root;
}

/** A datetime as the original writes it: its TOML text with `T` between date and time. */
const datetimeText = (node: AST.TOMLDateTimeValue) =>
  node.datetime.replace(/^(\d{4}-\d{2}-\d{2})[ tT]/, '$1T');

function plainValue(node: TreeNode): TomlValue {
  if (Array.isArray(node)) return node.map(plainValue);
  if (isLeaf(node)) {
    switch (node.kind) {
      case 'offset-date-time':
      case 'local-date-time':
      case 'local-date':
      case 'local-time':
        return datetimeText(node);
      default:
        return node.value;
    }
  }
  const table: TomlTable = {};
  for (const [key, value] of Object.entries(node)) {
    // A key named `__proto__` is data here, not the object's prototype.
    Object.defineProperty(table, key, {
      value: plainValue(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return table;
}

/** A float as serde_json writes one: always with a fraction or an exponent. */
function floatText(value: number): string {
  if (!Number.isFinite(value)) return 'null';
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return `${value.toFixed(0)}.0`;
  return String(value);
}

function canonicalTree(node: TreeNode): string {
  if (Array.isArray(node)) return `[${node.map(canonicalTree).join(',')}]`;
  if (isLeaf(node)) {
    switch (node.kind) {
      case 'integer':
        return node.bigint.toString();
      case 'float':
        return floatText(node.value);
      case 'offset-date-time':
      case 'local-date-time':
      case 'local-date':
      case 'local-time':
        return JSON.stringify(datetimeText(node));
      default:
        return JSON.stringify(node.value);
    }
  }
  const keys = Object.keys(node).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalTree(node[key] as TreeNode)}`).join(',')}}`;
}

/**
 * Canonical JSON of plain data (sorted keys, no whitespace, non-ASCII as is), the form the
 * original hashes for a layer's `version`. Numbers that are integers are written as integers.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value) ?? 'null';
}

const versionOfCanonical = (json: string) =>
  `sha256:${createHash('sha256').update(json, 'utf8').digest('hex')}`;

/** The `version` of a layer given as plain data (session flags): `sha256:` of its canonical JSON. */
export function versionOf(value: unknown): string {
  return versionOfCanonical(canonicalJson(value));
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

/** The longest string an error message repeats (and only where one of a few words was due). */
const QUOTABLE_CHARS = 40;

/** `text` quoted for an error message, when it is short and on one line; else undefined. */
export function quoteIfShort(text: string): string | undefined {
  return text.length <= QUOTABLE_CHARS && !/[\r\n]/.test(text) ? JSON.stringify(text) : undefined;
}

/**
 * Names a value in an error message without repeating what may be a secret: numbers and
 * booleans as they are, tables and arrays by kind, and a string as "a string", or quoted when
 * `quote` (the value was to be one of a few words) and it is short and on one line.
 */
export function describeValue(value: unknown, quote = false): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (isPlainObject(value)) return 'a table';
  if (typeof value === 'string') {
    const quoted = quote ? quoteIfShort(value) : undefined;
    return quoted ? `string ${quoted}` : 'a string';
  }
  if (value instanceof Date) return 'a date';
  return `${typeof value} ${String(value)}`;
}

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
