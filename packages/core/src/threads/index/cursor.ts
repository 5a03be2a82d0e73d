import { asRecord, type JsonObject } from '../../json.js';
import { ThreadIndexError } from './errors.js';

/** The three pagings; a cursor of one kind is refused by the others. */
export type CursorKind = 'threads' | 'turns' | 'items';

/** An opaque cursor: base64url of `{k: kind, ...fields}`. */
export function encodeCursor(kind: CursorKind, fields: JsonObject): string {
  return Buffer.from(JSON.stringify({ k: kind, ...fields }), 'utf8').toString('base64url');
}

/** The fields of a cursor made by `encodeCursor(kind, …)`; throws `invalid_cursor` otherwise. */
export function decodeCursor(kind: CursorKind, cursor: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalidCursor(cursor, error);
  }
  const record = asRecord(value);
  if (record.k !== kind) throw invalidCursor(cursor);
  return record;
}

export function invalidCursor(cursor: string, cause?: unknown): ThreadIndexError {
  return new ThreadIndexError(
    'invalid_cursor',
    `invalid cursor: ${cursor.length > 80 ? `${cursor.slice(0, 80)}…` : cursor}`,
    cause === undefined ? {} : { cause },
  );
}

/** A non-negative integer field of a decoded cursor, or `invalid_cursor`. */
export function cursorOffset(fields: JsonObject, key: string, cursor: string): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidCursor(cursor);
  }
  return value;
}
