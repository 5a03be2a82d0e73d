import { resolve } from 'node:path';
import type { core } from '@codex/protocol';
import { z } from 'zod';
import { assessPatch } from '../../sandbox/assessment.js';
import {
  ApplyPatchError,
  applyPatch,
  formatSummary,
  previewPatch,
} from '../../tools/apply-patch/index.js';
import { parseFunctionArguments } from '../../tools/arguments.js';
import {
  APPLY_PATCH_FREEFORM_SPEC,
  APPLY_PATCH_FUNCTION_SPEC,
} from '../../tools/specs/patch-specs.js';
import type { ToolHandler, ToolInvocation } from '../tool-call.js';
import { askApproval } from './approval.js';
import { failureOutput, wallTimeSeconds } from './shared.js';

const PatchArgsSchema = z.object({ input: z.string() });

/** `apply_patch`, freeform (the input is the patch) or as a function with an `input` string. */
export function applyPatchTool(form: 'freeform' | 'function'): ToolHandler {
  return {
    spec: form === 'freeform' ? APPLY_PATCH_FREEFORM_SPEC : APPLY_PATCH_FUNCTION_SPEC,
    parallel: false,
    async handle(invocation) {
      const { call } = invocation;
      let patch: string;
      try {
        patch =
          call.kind === 'function'
            ? parseFunctionArguments(PatchArgsSchema, call.arguments).input
            : argumentsInput(invocation);
      } catch (error) {
        return failureOutput(error);
      }
      const result = await runPatch(invocation, patch, invocation.turn.cwd);
      return { output: result.output };
    },
  };
}

const argumentsInput = (invocation: ToolInvocation) =>
  invocation.call.kind === 'custom' ? invocation.call.input : '';

/** What running a patch told the model, and whether it applied. */
export interface PatchOutcome {
  /** The report: `Exit code: N\nWall time: S seconds\nOutput:\n…` as the original words it. */
  readonly output: string;
  readonly success: boolean;
}

const report = (exitCode: number, ms: number, text: string) =>
  `Exit code: ${exitCode}\nWall time: ${wallTimeSeconds(ms)} seconds\nOutput:\n${text}`;

/** Every absolute path a patch writes or removes (move destinations included). */
function touchedPaths(changes: Readonly<Record<string, core.FileChange>>): string[] {
  const paths = new Set<string>();
  for (const [path, change] of Object.entries(changes)) {
    paths.add(path);
    if (change.type === 'update' && change.move_path) paths.add(change.move_path);
  }
  return [...paths];
}

/**
 * Verifies, approves (when the policy says so), applies and reports a patch, with
 * `patch_apply_begin` / `patch_apply_end` and an updated `turn_diff`. A patch that cannot
 * apply is refused before anything is asked or written.
 */
export async function runPatch(
  invocation: ToolInvocation,
  patch: string,
  cwd: string,
): Promise<PatchOutcome> {
  const { call, turn, emit, diff, approvals } = invocation;
  const started = performance.now();
  let changes: Readonly<Record<string, core.FileChange>>;
  try {
    changes = (await previewPatch(patch, resolve(cwd))).changes;
  } catch (error) {
    if (!ApplyPatchError.isInstance(error)) throw error;
    return { output: `apply_patch verification failed: ${error.message}`, success: false };
  }
  const paths = touchedPaths(changes);
  const sessionKey = `patch:${JSON.stringify([...paths].sort())}`;
  // The turn's cwd defines the writable roots; where the patch says it runs (a shell `cd`,
  // `workdir`) only locates its files.
  const verdict = await assessPatch({
    paths,
    cwd: turn.cwd,
    approvalPolicy: turn.approvalPolicy,
    sandboxPolicy: turn.sandboxPolicy,
    approvedForSession: approvals.isApprovedForSession(sessionKey),
  });
  if (verdict.action === 'reject')
    return { output: `apply_patch rejected: ${verdict.reason}`, success: false };
  if (verdict.action === 'ask') {
    const answer = await askApproval(
      invocation,
      {
        type: 'apply_patch_approval_request',
        call_id: call.callId,
        changes,
        reason: verdict.reason,
        grant_root: null,
      },
      sessionKey,
    );
    if (answer === 'denied' || answer === 'timed_out') {
      emit({
        type: 'patch_apply_end',
        call_id: call.callId,
        stdout: '',
        stderr: answer === 'timed_out' ? 'approval timed out' : 'rejected by user',
        success: false,
        turn_id: turn.turnId,
        changes,
        status: 'declined',
      });
      return {
        output:
          answer === 'timed_out'
            ? 'apply_patch rejected: nobody answered the approval request in time'
            : 'apply_patch rejected: rejected by user',
        success: false,
      };
    }
  }
  if (invocation.signal.aborted) throw invocation.signal.reason;
  emit({
    type: 'patch_apply_begin',
    call_id: call.callId,
    auto_approved: verdict.action === 'run',
    changes,
    turn_id: turn.turnId,
  });
  await diff.remember(paths);
  let outcome: PatchOutcome;
  try {
    const applied = await applyPatch(patch, resolve(cwd));
    emit({
      type: 'patch_apply_end',
      call_id: call.callId,
      stdout: applied.stdout,
      stderr: '',
      success: true,
      turn_id: turn.turnId,
      changes: applied.changes,
      status: 'completed',
    });
    outcome = { output: report(0, performance.now() - started, applied.stdout), success: true };
  } catch (error) {
    if (!ApplyPatchError.isInstance(error)) throw error;
    const partial = error.partial ? formatSummary(error.partial) : '';
    emit({
      type: 'patch_apply_end',
      call_id: call.callId,
      stdout: partial,
      stderr: error.message,
      success: false,
      turn_id: turn.turnId,
      changes: error.partial?.changes ?? {},
      status: 'failed',
    });
    outcome = {
      output: report(1, performance.now() - started, `${partial}${error.message}\n`),
      success: false,
    };
  }
  emit({ type: 'turn_diff', unified_diff: await diff.unifiedDiff(), turn_id: turn.turnId });
  return outcome;
}
