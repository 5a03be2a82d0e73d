import type { z } from 'zod';

/** A tool call's arguments could not be used; the message goes back to the model. */
export class ToolArgumentsError extends Error {}

/** Parses JSON arguments with `schema`; the error names the first bad field. */
export function parseToolArguments<T>(json: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ToolArgumentsError(`failed to parse function arguments: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? `\`${issue.path.join('.')}\`` : 'arguments';
  throw new ToolArgumentsError(
    `failed to parse function arguments: ${field}: ${issue?.message ?? 'invalid'}`,
  );
}
