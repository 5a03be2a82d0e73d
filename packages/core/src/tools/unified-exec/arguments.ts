import { z } from 'zod';
import { integerArgument, parseFunctionArguments } from '../arguments.js';
import { DEFAULT_EXEC_YIELD_TIME_MS, DEFAULT_WRITE_STDIN_YIELD_TIME_MS } from './constants.js';

/** Whether a command asks to run outside the sandbox (approval decides; see the caller). */
export const SandboxPermissionsSchema = z.enum(['use_default', 'require_escalated']);
/** Whether a command asks to run outside the sandbox. */
export type SandboxPermissions = z.infer<typeof SandboxPermissionsSchema>;

/** `exec_command`'s arguments as the model sends them. */
export const ExecCommandArgsSchema = z.object({
  cmd: z.string(),
  workdir: z.string().nullish(),
  shell: z.string().nullish(),
  login: z.boolean().nullish(),
  tty: z.boolean().default(false),
  yield_time_ms: integerArgument('u64').default(DEFAULT_EXEC_YIELD_TIME_MS),
  max_output_tokens: integerArgument('usize').nullish(),
  sandbox_permissions: SandboxPermissionsSchema.default('use_default'),
  justification: z.string().nullish(),
  prefix_rule: z.array(z.string()).nullish(),
});

/** `exec_command`'s arguments, parsed. */
export interface ExecCommandArgs {
  readonly cmd: string;
  /** Relative to the turn's cwd when not absolute; resolving it is the caller's job. */
  readonly workdir: string | undefined;
  readonly shell: string | undefined;
  readonly login: boolean | undefined;
  readonly tty: boolean;
  readonly yieldTimeMs: number;
  readonly maxOutputTokens: number | undefined;
  readonly sandboxPermissions: SandboxPermissions;
  readonly justification: string | undefined;
  readonly prefixRule: readonly string[] | undefined;
}

/** `write_stdin`'s arguments as the model sends them. */
export const WriteStdinArgsSchema = z.object({
  session_id: integerArgument('i32'),
  chars: z.string().default(''),
  yield_time_ms: integerArgument('u64').default(DEFAULT_WRITE_STDIN_YIELD_TIME_MS),
  max_output_tokens: integerArgument('usize').nullish(),
});

/** `write_stdin`'s arguments, parsed. */
export interface WriteStdinArgs {
  readonly sessionId: number;
  /** Empty polls. */
  readonly chars: string;
  readonly yieldTimeMs: number;
  readonly maxOutputTokens: number | undefined;
}

/** Parses `exec_command`'s JSON arguments; failures name the field as the original does. */
export function parseExecCommandArgs(json: string): ExecCommandArgs {
  const args = parseFunctionArguments(ExecCommandArgsSchema, json);
  return {
    cmd: args.cmd,
    workdir: args.workdir ?? undefined,
    shell: args.shell ?? undefined,
    login: args.login ?? undefined,
    tty: args.tty,
    yieldTimeMs: args.yield_time_ms,
    maxOutputTokens: args.max_output_tokens ?? undefined,
    sandboxPermissions: args.sandbox_permissions,
    justification: args.justification ?? undefined,
    prefixRule: args.prefix_rule ?? undefined,
  };
}

/** Parses `write_stdin`'s JSON arguments. */
export function parseWriteStdinArgs(json: string): WriteStdinArgs {
  const args = parseFunctionArguments(WriteStdinArgsSchema, json);
  return {
    sessionId: args.session_id,
    chars: args.chars,
    yieldTimeMs: args.yield_time_ms,
    maxOutputTokens: args.max_output_tokens ?? undefined,
  };
}
