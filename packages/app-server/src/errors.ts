import { invalidRequest, type JsonRpcError } from '@codex/protocol';
import type { z } from 'zod';

/**
 * A message in the released app-server's words (`Invalid request: missing field \`input\``,
 * `Invalid request: invalid type: integer \`123\`, expected a string`), naming the field.
 * String values are never quoted back: they may be secrets.
 */
export function invalidParamsMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid request: invalid params';
  const field = issue.path.length > 0 ? String(issue.path[issue.path.length - 1]) : 'params';
  const where = issue.path.length > 1 ? ` at \`${issue.path.map(String).join('.')}\`` : '';
  if (issue.code === 'invalid_type') {
    const input = (issue as { input?: unknown }).input;
    if (input === undefined) return `Invalid request: missing field \`${field}\``;
    return `Invalid request: invalid type: ${describeValue(input)}, expected ${article(issue.expected)}${where}`;
  }
  if (issue.code === 'unrecognized_keys') {
    return `Invalid request: unknown field \`${issue.keys[0]}\`${where}`;
  }
  if (issue.code === 'invalid_value' || issue.code === 'invalid_union') {
    return `Invalid request: unknown variant for \`${field}\`${where}: ${issue.message}`;
  }
  return `Invalid request: \`${field}\`${where}: ${issue.message}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number')
    return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (typeof value === 'string') return 'a string';
  if (Array.isArray(value)) return 'sequence';
  return 'map';
}

function article(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string';
    case 'number':
    case 'int':
      return 'an integer';
    case 'boolean':
      return 'a boolean';
    case 'array':
      return 'a sequence';
    case 'object':
      return 'a map';
    default:
      return expected;
  }
}

/** `-32600` with `message`: the code the released app-server uses for every refusal. */
export function refuse(message: string): JsonRpcError {
  return invalidRequest(message);
}
