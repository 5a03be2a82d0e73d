import { resolve } from 'node:path';
import type { core, exec } from '@codex/protocol';
import { assessCommand } from '../../sandbox/assessment.js';
import { shellScriptOf } from '../../sandbox/safe-command.js';
import { confines, looksLikeSandboxDenial } from '../../sandbox/sandbox.js';
import {
  extractPatchFromCommand,
  extractPatchFromScript,
  type PatchInvocation,
} from '../../tools/apply-patch/index.js';
import type { CommandWrapper } from '../../tools/command-wrapper.js';
import { formatShellOutputForModel, parseShellArgs, runShellCommand } from '../../tools/shell.js';
import {
  createExecCommandToolSpec,
  createShellToolSpec,
  createWriteStdinToolSpec,
} from '../../tools/specs/shell-specs.js';
import { parseExecCommandArgs, parseWriteStdinArgs } from '../../tools/unified-exec/arguments.js';
import { defaultUserShell, shellCommandArgv } from '../../tools/unified-exec/command.js';
import { unifiedExecEnv } from '../../tools/unified-exec/environment.js';
import type { ExecCommandResult } from '../../tools/unified-exec/index.js';
import type { ToolHandler, ToolInvocation, ToolResult } from '../tool-call.js';
import { askApproval } from './approval.js';
import type { ToolServices } from './index.js';
import { runPatch } from './patch.js';
import { argumentsOf, durationOf, failureOutput, wallTimeSeconds } from './shared.js';

/** A command still running after the `exec_command` call that started it returned. */
export interface RunningCommand {
  readonly callId: string;
  readonly turnId: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly startedAt: number;
}

/** Output deltas sent per command; the rest is still in `exec_command_end`'s aggregate. */
const MAX_OUTPUT_DELTAS_PER_CALL = 10_000;
const MAX_OUTPUT_DELTA_BYTES_PER_CALL = 8 * 1024 * 1024;

/** Emits `exec_command_output_delta`s for one call, up to the per-call caps. */
function outputDeltas(invocation: ToolInvocation, callId: string) {
  let count = 0;
  let bytes = 0;
  return (chunk: Buffer, stream: exec.ExecOutputStream) => {
    if (
      count >= MAX_OUTPUT_DELTAS_PER_CALL ||
      bytes + chunk.length > MAX_OUTPUT_DELTA_BYTES_PER_CALL
    )
      return;
    count++;
    bytes += chunk.length;
    invocation.emit({
      type: 'exec_command_output_delta',
      call_id: callId,
      stream: stream === 'stderr' ? 'stderr' : 'stdout',
      chunk: chunk.toString('base64'),
      turn_id: invocation.turn.turnId,
    });
  };
}

/** The text the model gets when a command was not run. */
const notRun = (tool: string, why: string) => `${tool} failed: ${why}`;
/** The original's words for a command the user declined. */
const REJECTED_BY_USER = 'CreateProcess { message: "Rejected(\\"rejected by user\\")" }';

/** The reason the original gives when it offers to rerun a denied command unsandboxed. */
export const RETRY_WITHOUT_SANDBOX_REASON = 'command failed; retry without sandbox?';

/** How a permitted command runs: wrapped in the sandbox, or as it is. */
type Permission =
  | { readonly run: true; readonly wrap: CommandWrapper | null }
  | { readonly run: false; readonly refusal: string };

/** Tells the user once per session why commands cannot be sandboxed, and the fix. */
function warnSandboxUnavailable(services: ToolServices, invocation: ToolInvocation): string | null {
  const status = services.sandbox.status;
  if (status.available || !confines(invocation.turn.sandboxPolicy)) return null;
  if (!services.state.sandboxWarned) {
    services.state.sandboxWarned = true;
    invocation.emit({
      type: 'warning',
      message: `Commands cannot be sandboxed: ${status.reason}. Each command needs your approval to run without a sandbox. To fix: ${status.fix}.`,
      turn_id: invocation.turn.turnId,
    });
  }
  return status.reason;
}

/**
 * Decides how a command may run: in the sandbox, outside it (after an approval or an `allow`
 * rule), or not at all (with the model's message in `refusal`).
 */
async function mayRun(
  services: ToolServices,
  invocation: ToolInvocation,
  tool: string,
  argv: readonly string[],
  cwd: string,
  request: {
    readonly justification?: string | undefined;
    readonly escalated: boolean;
    /** The model's suggested rule prefix (`prefix_rule`). */
    readonly prefixRule?: readonly string[] | undefined;
  },
): Promise<Permission> {
  const { turn, approvals, call } = invocation;
  const sessionKey = `exec:${JSON.stringify(argv)}`;
  const sandboxUnavailable = warnSandboxUnavailable(services, invocation);
  const verdict = assessCommand({
    argv,
    approvalPolicy: turn.approvalPolicy,
    sandboxPolicy: turn.sandboxPolicy,
    justification: request.justification ?? null,
    escalated: request.escalated,
    approvedForSession: approvals.isApprovedForSession(sessionKey),
    sandboxUnavailable,
    rule: services.execPolicy.decide(argv),
  });
  const sandboxed = () => services.sandbox.wrapperFor(turn.sandboxPolicy, cwd);
  if (verdict.action === 'run') return { run: true, wrap: verdict.sandboxed ? sandboxed() : null };
  if (verdict.action === 'reject')
    return { run: false, refusal: notRun(tool, `rejected: ${verdict.reason}`) };
  const answer = await askApproval(
    invocation,
    {
      type: 'exec_approval_request',
      call_id: call.callId,
      command: [...argv],
      cwd,
      reason: verdict.reason,
      proposed_execpolicy_amendment: request.prefixRule?.length
        ? [...request.prefixRule]
        : services.execPolicy.proposeFor(argv),
    },
    sessionKey,
  );
  if (typeof answer === 'object') {
    await services.execPolicy.allow(answer.amendment);
    return { run: true, wrap: null };
  }
  if (answer === 'approved')
    return { run: true, wrap: verdict.sandboxedAfterApproval ? sandboxed() : null };
  invocation.emit({
    type: 'exec_command_end',
    call_id: call.callId,
    stdout: '',
    stderr: '',
    aggregated_output: '',
    exit_code: -1,
    duration: durationOf(0),
    turn_id: turn.turnId,
    command: [...argv],
    cwd,
    status: 'declined',
  });
  return {
    run: false,
    refusal: notRun(
      tool,
      answer === 'timed_out'
        ? 'the approval request timed out and was declined; the command did not run'
        : REJECTED_BY_USER,
    ),
  };
}

/** The model ran `apply_patch` through a shell: handled as a patch, reported as a command. */
async function interceptedPatch(
  invocation: ToolInvocation,
  patch: string,
  cwd: string,
): Promise<string> {
  const started = performance.now();
  const outcome = await runPatch(invocation, patch, cwd);
  return `Wall time: ${wallTimeSeconds(performance.now() - started)} seconds\nOutput:\n${outcome.output}`;
}

function emitBegin(
  invocation: ToolInvocation,
  argv: readonly string[],
  cwd: string,
  source: core.ExecCommandSource,
): void {
  const script = shellScriptOf(argv);
  invocation.emit({
    type: 'exec_command_begin',
    call_id: invocation.call.callId,
    command: [...argv],
    cwd,
    parsed_cmd: [{ type: 'unknown', cmd: script ?? argv.join(' ') }],
    turn_id: invocation.turn.turnId,
    source,
  });
}

function emitEnd(
  emit: ToolInvocation['emit'],
  command: RunningCommand,
  result: { exitCode: number; aggregatedOutput: string; formatted: string; durationMs: number },
  source: core.ExecCommandSource,
): void {
  emit({
    type: 'exec_command_end',
    call_id: command.callId,
    stdout: result.aggregatedOutput,
    stderr: '',
    aggregated_output: result.aggregatedOutput,
    exit_code: result.exitCode,
    duration: durationOf(result.durationMs),
    formatted_output: result.formatted,
    turn_id: command.turnId,
    command: [...command.argv],
    cwd: command.cwd,
    source,
    status: result.exitCode === 0 ? 'completed' : 'failed',
  });
}

/**
 * The first steps every shell tool shares: parse the arguments, resolve the working directory,
 * and hand an `apply_patch` run through the shell to the patch flow. Returns the tool's result
 * when the call ends there.
 */
async function prepare<Args extends { readonly workdir?: string | undefined }>(
  invocation: ToolInvocation,
  parse: (json: string) => Args,
  patchOf: (args: Args) => PatchInvocation | null,
): Promise<{ readonly args: Args; readonly cwd: string } | { readonly result: ToolResult }> {
  let args: Args;
  try {
    args = parse(argumentsOf(invocation.call));
  } catch (error) {
    return { result: failureOutput(error) };
  }
  const cwd = resolve(invocation.turn.cwd, args.workdir ?? '.');
  const patch = patchOf(args);
  if (!patch) return { args, cwd };
  const dir = resolve(cwd, patch.workdir ?? '.');
  return { result: { output: await interceptedPatch(invocation, patch.patch, dir) } };
}

/** What one run of a command reports, whichever tool ran it. */
interface CommandRun {
  readonly exitCode: number | null;
  readonly aggregatedOutput: string;
  readonly durationMs: number;
  /** The text for the model. */
  readonly formatted: string;
}

/**
 * Runs a permitted command with begin/end events. When it ran in the sandbox under
 * `on-failure` and the sandbox looks to have stopped it, the user is offered the original's
 * retry without the sandbox; approved, it runs again unwrapped (new begin/end events).
 */
async function runPermitted<Run extends CommandRun>(
  invocation: ToolInvocation,
  command: RunningCommand,
  wrap: CommandWrapper | null,
  source: core.ExecCommandSource,
  start: (wrap: CommandWrapper | null) => Promise<Run>,
): Promise<Run> {
  const { turn } = invocation;
  const once = async (wrapper: CommandWrapper | null) => {
    emitBegin(invocation, command.argv, command.cwd, source);
    const run = await start(wrapper);
    if (run.exitCode !== null)
      emitEnd(invocation.emit, command, { ...run, exitCode: run.exitCode }, source);
    return run;
  };
  const first = await once(wrap);
  const denied =
    wrap !== null &&
    turn.approvalPolicy === 'on-failure' &&
    looksLikeSandboxDenial(first.exitCode, first.aggregatedOutput, turn.sandboxPolicy);
  if (!denied) return first;
  const answer = await askApproval(
    invocation,
    {
      type: 'exec_approval_request',
      call_id: command.callId,
      command: [...command.argv],
      cwd: command.cwd,
      reason: RETRY_WITHOUT_SANDBOX_REASON,
    },
    `exec:${JSON.stringify(command.argv)}`,
  );
  return answer === 'denied' || answer === 'timed_out' ? first : once(null);
}

/** `exec_command`: runs a shell command; one still running after the yield keeps a session. */
export function execCommandTool(services: ToolServices): ToolHandler {
  return {
    spec: createExecCommandToolSpec(),
    parallel: true,
    async handle(invocation) {
      const { call, turn, signal } = invocation;
      const prepared = await prepare(invocation, parseExecCommandArgs, (args) =>
        extractPatchFromScript(args.cmd),
      );
      if ('result' in prepared) return prepared.result;
      const { args, cwd } = prepared;
      const shell = args.shell ?? defaultUserShell(services.env);
      const argv = shellCommandArgv(shell, args.cmd, args.login ?? true);
      const permission = await mayRun(services, invocation, 'exec_command', argv, cwd, {
        justification: args.justification,
        escalated: args.sandboxPermissions === 'require_escalated',
        prefixRule: args.prefixRule,
      });
      if (!permission.run) return { output: permission.refusal };
      const command: RunningCommand = {
        callId: call.callId,
        turnId: turn.turnId,
        argv,
        cwd,
        startedAt: Date.now(),
      };
      let result: ExecCommandResult;
      try {
        result = await runPermitted(
          invocation,
          command,
          permission.wrap,
          'unified_exec_startup',
          async (wrap) => {
            const run = await services.unifiedExec.execCommand({
              callId: call.callId,
              cmd: args.cmd,
              workdir: cwd,
              shell,
              login: args.login ?? true,
              tty: args.tty,
              yieldTimeMs: args.yieldTimeMs,
              maxOutputTokens: args.maxOutputTokens,
              signal,
              onOutput: outputDeltas(invocation, call.callId),
              ...(wrap ? { wrap } : {}),
            });
            return { ...run, formatted: services.unifiedExec.formatForModel(run) };
          },
        );
      } catch (error) {
        if (signal.aborted) throw error;
        return failureOutput(error);
      }
      const formatted = services.unifiedExec.formatForModel(result);
      if (result.exitCode === null && result.sessionId !== null) {
        // Forget commands whose sessions the manager has since pruned or seen exit.
        const live = new Set(services.unifiedExec.liveSessionIds());
        for (const id of services.runningCommands.keys())
          if (!live.has(id)) services.runningCommands.delete(id);
        services.runningCommands.set(result.sessionId, command);
      }
      return { output: formatted };
    },
  };
}

/** `write_stdin`: writes to (or polls) a running command's session. */
export function writeStdinTool(services: ToolServices): ToolHandler {
  return {
    spec: createWriteStdinToolSpec(),
    parallel: true,
    async handle(invocation) {
      const { call, signal } = invocation;
      let args: ReturnType<typeof parseWriteStdinArgs>;
      try {
        args = parseWriteStdinArgs(argumentsOf(call));
      } catch (error) {
        return failureOutput(error);
      }
      const command = services.runningCommands.get(args.sessionId);
      let result: ExecCommandResult;
      try {
        result = await services.unifiedExec.writeStdin({
          callId: call.callId,
          sessionId: args.sessionId,
          chars: args.chars,
          yieldTimeMs: args.yieldTimeMs,
          maxOutputTokens: args.maxOutputTokens,
          signal,
          onOutput: outputDeltas(invocation, command?.callId ?? call.callId),
        });
      } catch (error) {
        if (signal.aborted) throw error;
        return failureOutput(error);
      }
      const formatted = services.unifiedExec.formatForModel(result);
      if (result.exitCode !== null && command) {
        services.runningCommands.delete(args.sessionId);
        emitEnd(
          invocation.emit,
          command,
          {
            exitCode: result.exitCode,
            aggregatedOutput: result.aggregatedOutput,
            formatted,
            durationMs: Date.now() - command.startedAt,
          },
          'unified_exec_interaction',
        );
      }
      return { output: formatted };
    },
  };
}

/** The legacy `shell` tool (and `local_shell` calls): an argv run to completion. */
export function shellTool(services: ToolServices): ToolHandler {
  return {
    spec: createShellToolSpec(),
    parallel: true,
    async handle(invocation) {
      const { call, turn, signal } = invocation;
      const prepared = await prepare(invocation, parseShellArgs, (args) =>
        extractPatchFromCommand(args.command),
      );
      if ('result' in prepared) return prepared.result;
      const { args, cwd } = prepared;
      const permission = await mayRun(services, invocation, 'shell', args.command, cwd, {
        justification: args.justification,
        escalated: args.sandboxPermissions === 'require_escalated',
        prefixRule: args.prefixRule,
      });
      if (!permission.run) return { output: permission.refusal };
      const command: RunningCommand = {
        callId: call.callId,
        turnId: turn.turnId,
        argv: args.command,
        cwd,
        startedAt: Date.now(),
      };
      try {
        const result = await runPermitted(
          invocation,
          command,
          permission.wrap,
          'agent',
          async (wrap) => {
            const run = await runShellCommand({
              client: services.exec,
              callId: call.callId,
              command: args.command,
              workdir: cwd,
              timeoutMs: args.timeoutMs,
              env: unifiedExecEnv(services.env),
              signal,
              onOutput: outputDeltas(invocation, call.callId),
              ...(wrap ? { wrap } : {}),
            });
            return { ...run, formatted: formatShellOutputForModel(run) };
          },
        );
        return { output: result.formatted };
      } catch (error) {
        if (signal.aborted) throw error;
        return failureOutput(error);
      }
    },
  };
}
