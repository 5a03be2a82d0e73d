import { CodexError } from '@codex/common';
import type { JsonRpcMessage } from '@codex/protocol';

/** Why a frame could not be decoded or encoded. */
export type FrameErrorCode =
  /** Not valid JSON. */
  | 'parse'
  /** Larger than `maxMessageBytes`; discarded unread. */
  | 'too_large'
  /** Nested deeper than `maxNestingDepth`. */
  | 'too_deep'
  /** More values than `maxValues`. */
  | 'too_many_values'
  /** A message to send that JSON cannot hold (a BigInt, a cycle, nesting too deep). */
  | 'unserializable';

/**
 * A frame that could not be decoded (or a message that could not be encoded). Messages never
 * quote the frame: a peer's garbage may hold secrets.
 */
export class FrameError extends CodexError<FrameErrorCode> {
  static override readonly brand = 'codex.jsonrpc.FrameError';
}

/**
 * Limits on one incoming message, checked before it is parsed. They bound what a peer can make
 * this process allocate: a 60 MB line of `[{},{},…]` would otherwise become 20 million objects
 * (gigabytes) in one `JSON.parse`.
 */
export interface FrameLimits {
  /** Largest message, in bytes. Default 16 MiB. */
  readonly maxMessageBytes: number;
  /** Deepest nesting of arrays and objects. Default 128 (what the original's JSON parser allows). */
  readonly maxNestingDepth: number;
  /** Most values (array elements, object members, containers) in one message. Default 500,000. */
  readonly maxValues: number;
}

/** The limits used when none are given: 16 MiB per message, nesting 128 deep, 500,000 values. */
export const DEFAULT_FRAME_LIMITS: FrameLimits = Object.freeze({
  maxMessageBytes: 16 * 1024 * 1024,
  maxNestingDepth: 128,
  maxValues: 500_000,
});

/** The limits with defaults filled in; a RangeError names a limit that is not a positive integer. */
export function resolveFrameLimits(limits: Partial<FrameLimits> = {}): FrameLimits {
  const resolved = { ...DEFAULT_FRAME_LIMITS };
  for (const key of Object.keys(DEFAULT_FRAME_LIMITS) as (keyof FrameLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${key} must be a positive integer, got ${String(value)}`);
    resolved[key] = value;
  }
  return resolved;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** The index of the quote closing the string whose opening quote is at `open`, or -1. */
function stringEnd(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at === -1) return -1;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/**
 * One linear pass over the text, skipping string contents, that rejects messages nested too
 * deeply or holding too many values before `JSON.parse` allocates them. Malformed text passes
 * through: `JSON.parse` reports it.
 */
function checkShape(text: string, limits: FrameLimits): FrameError | null {
  if (text.length <= limits.maxNestingDepth) return null;
  let depth = 0;
  let values = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      const end = stringEnd(text, at);
      if (end === -1) return null;
      at = end;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
      values++;
      if (depth > limits.maxNestingDepth)
        return new FrameError(
          'too_deep',
          `message nests deeper than ${limits.maxNestingDepth} levels; discarded`,
        );
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    } else if (code === COMMA) {
      values++;
    } else {
      continue;
    }
    if (values > limits.maxValues)
      return new FrameError(
        'too_many_values',
        `message holds more than ${limits.maxValues} values; discarded`,
      );
  }
  return null;
}

/**
 * The raw text of a top-level `"id"` member holding a number, found by walking the top-level
 * object only (strings and nested values are skipped whole).
 */
function rawTopLevelId(text: string): string | null {
  let depth = 0;
  let expectKey = false;
  let key: string | null = null;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      const end = stringEnd(text, at);
      if (end === -1) return null;
      if (depth === 1 && expectKey) key = JSON.parse(text.slice(at, end + 1)) as string;
      at = end;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    } else if (depth === 1 && code === COMMA) {
      expectKey = true;
    } else if (depth === 1 && code === COLON) {
      expectKey = false;
      if (key === 'id') {
        const match = /^\s*(-?\d+)\s*[,}]/.exec(text.slice(at + 1, at + 64));
        return match?.[1] ?? null;
      }
      key = null;
    }
  }
  return null;
}

/**
 * JSON.parse reads integers beyond 2^53 imprecisely; a request id that large must still be
 * echoed exactly, so it is read again from the text as a BigInt.
 */
function restoreLargeId(value: unknown, text: string): void {
  if (typeof value !== 'object' || value === null) return;
  const record = value as { id?: unknown };
  if (typeof record.id !== 'number' || Number.isSafeInteger(record.id)) return;
  if (!Number.isInteger(record.id)) return;
  const raw = rawTopLevelId(text);
  if (raw !== null) record.id = BigInt(raw);
}

/** Describes a JSON.parse failure without quoting the text (it may hold secrets). */
function parseFailure(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const position = /position (\d+)/.exec(message)?.[1];
  if (/Unexpected end of JSON input/.test(message)) return 'invalid JSON: the text ends too early';
  return position === undefined
    ? 'invalid JSON'
    : `invalid JSON: unexpected character at position ${position}`;
}

/**
 * Decodes one frame under `limits`, reporting failures as a {@link FrameError}. Integer ids
 * beyond 2^53 come back as BigInts.
 */
export function decodeFrame(
  text: string,
  limits: FrameLimits = DEFAULT_FRAME_LIMITS,
):
  | {
      /** The decoded message. */
      value: unknown;
    }
  | {
      /** Why the frame was refused. */
      error: FrameError;
    } {
  const shape = checkShape(text, limits);
  if (shape) return { error: shape };
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (cause) {
    return { error: new FrameError('parse', parseFailure(cause)) };
  }
  restoreLargeId(value, text);
  return { value };
}

/**
 * Encodes one message as a text frame (no trailing newline), its keys in their order. A BigInt
 * id is written as a bare integer; anything JSON cannot hold throws an `unserializable`
 * {@link FrameError}.
 */
export function encodeFrame(message: JsonRpcMessage): string {
  try {
    const { id } = message as { id?: unknown };
    if (typeof id !== 'bigint') return JSON.stringify(message);
    // Member by member, so that the keys keep their order (an error reply is `{"error",…,"id"}`).
    const members: string[] = [];
    for (const [key, value] of Object.entries(message)) {
      const text = key === 'id' ? id.toString() : JSON.stringify(value);
      if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
    }
    return `{${members.join(',')}}`;
  } catch (cause) {
    const reason =
      cause instanceof RangeError
        ? 'it nests too deeply'
        : cause instanceof Error
          ? cause.message
          : String(cause);
    throw new FrameError('unserializable', `the message cannot be written as JSON: ${reason}`, {
      cause,
    });
  }
}
