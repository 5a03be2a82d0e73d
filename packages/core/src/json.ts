/** A JSON object as parsed from the wire. */
export type JsonObject = Record<string, unknown>;

/** `value` when it is a JSON object, else an empty one. */
export const asRecord = (value: unknown): JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};

/** `value` when it is a string, else null. */
export const asString = (value: unknown): string | null =>
  typeof value === 'string' ? value : null;

/** `value` when it is a number, else 0. */
export const asNumber = (value: unknown): number => (typeof value === 'number' ? value : 0);
