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

/** The JSON object a line of text holds, or null when it is not JSON or not an object. */
export function parseJsonObject(text: string): JsonObject | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : null;
}
