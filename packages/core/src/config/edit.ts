import { isDeepStrictEqual } from 'node:util';
import type { AST } from 'toml-eslint-parser';
import { ConfigError } from './errors.js';
import {
  formatKey,
  formatKeyPath,
  formatTomlValue,
  isPlainObject,
  keyNames,
  parseTomlDocument,
  type TomlDocument,
} from './toml.js';

/** How a table value combines with what is there: replace it whole, or merge key by key. */
export type MergeStrategy = 'replace' | 'upsert';

/** One change to config.toml. A `null` value removes the key. */
export interface ConfigEdit {
  readonly keyPath: readonly string[];
  readonly value: unknown;
  readonly mergeStrategy: MergeStrategy;
}

interface Definition {
  /** The full key path this key-value defines. */
  readonly path: readonly string[];
  readonly node: AST.TOMLKeyValue;
}

const startsWith = (path: readonly string[], prefix: readonly string[]) =>
  prefix.length <= path.length && prefix.every((key, index) => path[index] === key);

/** Every key-value of the document with its full path (inline tables are not entered). */
function definitions(document: TomlDocument): Definition[] {
  const result: Definition[] = [];
  for (const node of document.ast.body[0].body) {
    if (node.type === 'TOMLKeyValue') {
      result.push({ path: keyNames(node.key), node });
      continue;
    }
    if (node.kind === 'array') continue;
    const prefix = node.resolvedKey.map(String);
    for (const entry of node.body)
      result.push({ path: [...prefix, ...keyNames(entry.key)], node: entry });
  }
  return result;
}

function standardTables(document: TomlDocument): AST.TOMLTable[] {
  return document.ast.body[0].body.filter(
    (node): node is AST.TOMLTable => node.type === 'TOMLTable' && node.kind === 'standard',
  );
}

function rejectArrayTables(document: TomlDocument, path: readonly string[]) {
  for (const node of document.ast.body[0].body) {
    if (node.type !== 'TOMLTable' || node.kind !== 'array') continue;
    const names = keyNames(node.key);
    if (startsWith(path, names) || startsWith(names, path))
      throw new ConfigError(
        'invalid_edit',
        `cannot write \`${formatKeyPath(path)}\`: it is inside the array of tables [[${formatKeyPath(names)}]]; edit that file by hand`,
        { keyPath: formatKeyPath(path), line: node.loc.start.line },
      );
  }
}

/** Widens [start, end) to whole lines: leading indentation and the rest of the last line. */
function wholeLines(text: string, start: number, end: number): [number, number] {
  let from = start;
  while (from > 0 && (text[from - 1] === ' ' || text[from - 1] === '\t')) from--;
  const newline = text.indexOf('\n', end);
  return [from, newline === -1 ? text.length : newline + 1];
}

function spliceAll(text: string, cuts: Array<[number, number, string]>): string {
  let result = text;
  for (const [start, end, insert] of [...cuts].sort((a, b) => b[0] - a[0]))
    result = result.slice(0, start) + insert + result.slice(end);
  return result;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

function withValue(root: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const base = isPlainObject(root) ? { ...root } : {};
  const next = withValue(base[head], rest, value);
  if (next === undefined) delete base[head];
  else base[head] = next;
  return base;
}

/** Replaces the value of a key-value in place, keeping its key, spacing and comment. */
function replaceValue(document: TomlDocument, node: AST.TOMLKeyValue, value: unknown): string {
  const [start, end] = node.value.range;
  return spliceAll(document.text, [[start, end, formatTomlValue(value)]]);
}

/** Removes `path` and everything under it. */
function removePath(document: TomlDocument, path: readonly string[]): string {
  const cuts: Array<[number, number, string]> = [];
  for (const table of standardTables(document)) {
    if (!startsWith(table.resolvedKey.map(String), path)) continue;
    const [start, end] = wholeLines(document.text, ...table.range);
    cuts.push([start, end, '']);
  }
  const insideRemovedTable = (node: AST.TOMLKeyValue) =>
    cuts.some(([start, end]) => node.range[0] >= start && node.range[1] <= end);
  for (const definition of definitions(document)) {
    if (insideRemovedTable(definition.node)) continue;
    if (startsWith(definition.path, path)) {
      const [start, end] = wholeLines(document.text, ...definition.node.range);
      cuts.push([start, end, '']);
    } else if (startsWith(path, definition.path)) {
      // An inline table (or scalar) above the path: rewrite it without the key.
      const current = valueAt(document.value, definition.path);
      const next = withValue(current, path.slice(definition.path.length), undefined);
      const [start, end] = definition.node.value.range;
      cuts.push([start, end, formatTomlValue(next)]);
    }
  }
  return spliceAll(document.text, cuts);
}

const lineEnd = (text: string, offset: number) => {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
};

const ensureNewline = (text: string) =>
  text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;

/** `[path]` followed by the table's entries; nested tables become their own sections. */
function renderSection(path: readonly string[], table: Record<string, unknown>): string {
  const scalars = Object.entries(table).filter(
    ([, item]) => !isPlainObject(item) && item !== undefined,
  );
  const tables = Object.entries(table).filter(([, item]) => isPlainObject(item));
  let out = '';
  if (scalars.length > 0 || tables.length === 0) {
    out += `[${formatKeyPath(path)}]\n`;
    for (const [key, item] of scalars) out += `${formatKey(key)} = ${formatTomlValue(item, key)}\n`;
  }
  for (const [key, item] of tables) {
    if (out.length > 0) out += '\n';
    out += renderSection([...path, key], item as Record<string, unknown>);
  }
  return out;
}

/** Candidate texts that add `path = value` where nothing defines it yet, best first. */
function insertionCandidates(document: TomlDocument, path: readonly string[], value: unknown) {
  const text = document.text;
  const appendSection = (sectionPath: readonly string[], table: Record<string, unknown>) => {
    const body = ensureNewline(text);
    const gap = body.length === 0 || body.endsWith('\n\n') ? '' : '\n';
    return `${body}${gap}${renderSection(sectionPath, table)}`;
  };
  const candidates: string[] = [];
  if (isPlainObject(value)) {
    candidates.push(appendSection(path, value));
    return candidates;
  }
  const tables = standardTables(document)
    .filter((table) => {
      const key = table.resolvedKey.map(String);
      return key.length < path.length && startsWith(path, key);
    })
    .sort((a, b) => b.resolvedKey.length - a.resolvedKey.length);
  const line = (relative: readonly string[]) =>
    `${formatKeyPath(relative)} = ${formatTomlValue(value, formatKeyPath(path))}\n`;
  const best = tables[0];
  if (best) {
    const relative = path.slice(best.resolvedKey.length);
    const last = best.body[best.body.length - 1];
    const at = lineEnd(text, last ? last.range[1] : best.key.range[1]);
    const prefix = ensureNewline(text.slice(0, at));
    candidates.push(prefix + line(relative) + text.slice(at));
  }
  if (path.length >= 2)
    candidates.push(appendSection(path.slice(0, -1), { [path[path.length - 1] as string]: value }));
  // At the root: after the last top-level key, else at the top of the file.
  const rootKeys = document.ast.body[0].body.filter((node) => node.type === 'TOMLKeyValue');
  const lastRoot = rootKeys[rootKeys.length - 1];
  const at = lastRoot ? lineEnd(text, lastRoot.range[1]) : 0;
  candidates.push(ensureNewline(text.slice(0, at)) + line(path) + text.slice(at));
  return candidates;
}

function applyOne(text: string, edit: ConfigEdit): string {
  const { keyPath: path, value, mergeStrategy } = edit;
  if (path.length === 0)
    throw new ConfigError('invalid_edit', 'the key path is empty; name the setting to write');
  const document = parseTomlDocument(text);
  rejectArrayTables(document, path);
  const key = formatKeyPath(path);
  if (value === null || value === undefined) return removePath(document, path);

  const existing = valueAt(document.value, path);
  const holder = definitions(document).find((definition) => startsWith(path, definition.path));
  if (
    mergeStrategy === 'upsert' &&
    isPlainObject(value) &&
    (existing === undefined || isPlainObject(existing))
  ) {
    if (holder && holder.path.length < path.length) {
      // Inside an inline table: rewrite that inline table merged.
      const current = valueAt(document.value, holder.path);
      const relative = path.slice(holder.path.length);
      const merged = mergeValues(valueAt(current, relative), value);
      return replaceValue(document, holder.node, withValue(current, relative, merged));
    }
    if (holder) return replaceValue(document, holder.node, mergeValues(existing, value));
    let next = text;
    const entries = Object.entries(value);
    if (entries.length === 0 && existing === undefined)
      return insertionCandidates(document, path, {})[0] as string;
    for (const [child, item] of entries)
      next = applyOne(next, { keyPath: [...path, child], value: item, mergeStrategy });
    return next;
  }

  if (holder && holder.path.length === path.length)
    return replaceValue(document, holder.node, value);
  if (holder) {
    const current = valueAt(document.value, holder.path);
    return replaceValue(
      document,
      holder.node,
      withValue(current, path.slice(holder.path.length), value),
    );
  }
  const cleared = existing === undefined ? document : parseTomlDocument(removePath(document, path));
  for (const candidate of insertionCandidates(cleared, path, value)) {
    try {
      if (isDeepStrictEqual(valueAt(parseTomlDocument(candidate).value, path), normalize(value)))
        return candidate;
    } catch {
      // Not valid TOML in this spot; try the next placement.
    }
  }
  throw new ConfigError('invalid_edit', `could not find a valid place to write \`${key}\``, {
    keyPath: key,
  });
}

function mergeValues(current: unknown, over: unknown): unknown {
  if (!isPlainObject(current) || !isPlainObject(over)) return over;
  const result: Record<string, unknown> = { ...current };
  for (const [key, item] of Object.entries(over)) {
    if (item === null || item === undefined) delete result[key];
    else result[key] = mergeValues(result[key], item);
  }
  return result;
}

/** What `value` reads back as after a TOML round trip (undefined members dropped). */
function normalize(value: unknown): unknown {
  return parseTomlDocument(`v = ${formatTomlValue(value)}\n`).value.v;
}

/**
 * Applies edits to config.toml text, touching only the lines that change: comments, ordering
 * and formatting elsewhere stay as the user wrote them. Each result is re-parsed and checked;
 * an edit that would not read back as written fails instead of producing a broken file.
 */
export function applyConfigEdits(text: string, edits: readonly ConfigEdit[]): string {
  let result = text;
  for (const edit of edits) {
    const key = formatKeyPath(edit.keyPath);
    const expected = (() => {
      const before = parseTomlDocument(result).value;
      if (edit.value === null || edit.value === undefined) return undefined;
      try {
        if (edit.mergeStrategy === 'upsert')
          return normalize(mergeValues(valueAt(before, edit.keyPath), edit.value));
        return normalize(edit.value);
      } catch (error) {
        throw new ConfigError(
          'invalid_edit',
          `cannot write \`${key}\`: ${(error as Error).message}`,
          {
            keyPath: key,
            cause: error,
          },
        );
      }
    })();
    const next = applyOne(result, edit);
    let readBack: unknown;
    try {
      readBack = valueAt(parseTomlDocument(next).value, edit.keyPath);
    } catch (error) {
      throw new ConfigError('invalid_edit', `writing \`${key}\` would produce invalid TOML`, {
        keyPath: key,
        cause: error,
      });
    }
    if (!isDeepStrictEqual(readBack, expected))
      throw new ConfigError('invalid_edit', `writing \`${key}\` did not read back as written`, {
        keyPath: key,
      });
    result = next;
  }
  return result;
}
