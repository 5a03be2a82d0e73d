import { isAbsolute, resolve } from 'node:path';
import { parseArguments, type ThreadConfigRequest } from '@codex/core';
import { z } from 'zod';

/** The tool that starts a thread and runs its first turn. */
export const CODEX_TOOL = 'codex';
/** The tool that runs another turn on a thread. */
export const CODEX_REPLY_TOOL = 'codex-reply';

/** Arguments of the `codex` tool (kebab-case keys, as the original names them). */
export const CodexToolArgumentsSchema = z.strictObject({
  prompt: z.string().describe('The *initial user prompt* to start the Codex conversation.'),
  model: z
    .string()
    .describe("Optional override for the model name (e.g. 'gpt-5.2', 'gpt-5.2-codex').")
    .optional(),
  profile: z
    .string()
    .describe('Configuration profile from CODEX_HOME/<profile>.config.toml to start from.')
    .optional(),
  cwd: z
    .string()
    .describe(
      "Working directory for the session. If relative, it is resolved against the server process's current working directory.",
    )
    .optional(),
  'approval-policy': z
    .enum(['untrusted', 'on-request', 'never'])
    .describe(
      'When to ask before running a command the model generated: `untrusted` (all but known-safe ones), `on-request` (when the model asks to leave the sandbox), `never`.',
    )
    .optional(),
  sandbox: z
    .enum(['read-only', 'workspace-write', 'danger-full-access'])
    .describe('Sandbox mode: `read-only`, `workspace-write`, or `danger-full-access`.')
    .optional(),
  config: z
    .record(z.string(), z.unknown())
    .describe('Individual config settings that will override what is in CODEX_HOME/config.toml.')
    .optional(),
  'base-instructions': z
    .string()
    .describe('The set of instructions to use instead of the default ones.')
    .optional(),
  'developer-instructions': z
    .string()
    .describe('Developer instructions that should be injected as a developer role message.')
    .optional(),
  'compact-prompt': z.string().describe('Prompt used when compacting the conversation.').optional(),
});
/** Arguments of the `codex` tool. */
export type CodexToolArguments = z.infer<typeof CodexToolArgumentsSchema>;

/** Arguments of the `codex-reply` tool; `conversationId` is the older name of `threadId`. */
export const CodexReplyArgumentsSchema = z.object({
  threadId: z
    .string()
    .describe(
      'The thread id for this Codex session. This field is required, but we keep it optional here for backward compatibility for clients that still use conversationId.',
    )
    .optional(),
  conversationId: z.string().describe('DEPRECATED: use threadId instead.').optional(),
  prompt: z.string().describe('The *next user prompt* to continue the Codex conversation.'),
});
/** Arguments of the `codex-reply` tool. */
export type CodexReplyArguments = z.infer<typeof CodexReplyArgumentsSchema>;

/** What both tools return as `structuredContent`. */
export interface CodexToolOutput {
  /** The thread the turn ran on; pass it to `codex-reply` to go on. */
  readonly threadId: string;
  /** The last agent message of the turn. */
  readonly content: string;
  readonly [key: string]: unknown;
}

const OUTPUT_SCHEMA = {
  type: 'object' as const,
  properties: { threadId: { type: 'string' }, content: { type: 'string' } },
  required: ['threadId', 'content'],
};

/** An MCP tool definition, as `tools/list` returns it. */
export interface ToolDefinition {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: { readonly type: 'object'; readonly [key: string]: unknown };
  readonly outputSchema: typeof OUTPUT_SCHEMA;
}

function inputSchemaOf(schema: z.ZodType): ToolDefinition['inputSchema'] {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
  }) as Record<string, unknown>;
  return { ...json, type: 'object' };
}

let definitions: readonly ToolDefinition[] | null = null;

/** The tools this server offers (built once, on first use). */
export function toolDefinitions(): readonly ToolDefinition[] {
  definitions ??= [
    {
      name: CODEX_TOOL,
      title: 'Codex',
      description:
        'Run a Codex session. Accepts configuration parameters matching the Codex Config struct.',
      inputSchema: inputSchemaOf(CodexToolArgumentsSchema),
      outputSchema: OUTPUT_SCHEMA,
    },
    {
      name: CODEX_REPLY_TOOL,
      title: 'Codex Reply',
      description: 'Continue a Codex conversation by providing the thread id and prompt.',
      inputSchema: inputSchemaOf(CodexReplyArgumentsSchema),
      outputSchema: OUTPUT_SCHEMA,
    },
  ];
  return definitions;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parsed arguments, or the message that names what is wrong with them. */
export type ToolArguments<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

/** Parses `codex` arguments; the message is in the original's words and never quotes values. */
export function parseCodexArguments(args: unknown): ToolArguments<CodexToolArguments> {
  const parsed = parseArguments(CodexToolArgumentsSchema, args ?? {});
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, message: `Failed to parse configuration for Codex tool: ${parsed.problem}` };
}

/** Parses `codex-reply` arguments: a prompt, and `threadId` (or `conversationId`). */
export function parseReplyArguments(
  args: unknown,
): ToolArguments<{ readonly threadId: string; readonly prompt: string }> {
  const parsed = parseArguments(CodexReplyArgumentsSchema, args ?? {});
  if (!parsed.success) {
    return { ok: false, message: `Failed to parse arguments for codex-reply: ${parsed.problem}` };
  }
  const threadId = parsed.data.threadId ?? parsed.data.conversationId;
  if (threadId === undefined) {
    return {
      ok: false,
      message:
        'Failed to parse arguments for codex-reply: either threadId or conversationId must be provided',
    };
  }
  if (!UUID.test(threadId)) {
    return { ok: false, message: 'Failed to parse thread_id: expected a UUID' };
  }
  return { ok: true, value: { threadId, prompt: parsed.data.prompt } };
}

/** The thread config a `codex` call asks for. */
export function threadConfigRequest(
  args: CodexToolArguments,
  baseDir: string = process.cwd(),
): ThreadConfigRequest {
  const config: Record<string, unknown> = { ...args.config };
  if (args['compact-prompt'] !== undefined) config.compact_prompt = args['compact-prompt'];
  return {
    profile: args.profile,
    cwd:
      args.cwd === undefined
        ? undefined
        : isAbsolute(args.cwd)
          ? args.cwd
          : resolve(baseDir, args.cwd),
    model: args.model,
    approvalPolicy: args['approval-policy'],
    sandbox: args.sandbox,
    config: Object.keys(config).length > 0 ? config : undefined,
    baseInstructions: args['base-instructions'],
    developerInstructions: args['developer-instructions'],
  };
}
