import { randomInt } from 'node:crypto';
import {
  approxTokensFromByteCount,
  byteBudget,
  formattedTruncateText,
  scalePolicy,
  type TruncationPolicy,
  truncateText,
} from '../truncate.js';
import { omissionMarker } from './head-tail-buffer.js';

/** What one `exec_command` or `write_stdin` call produced. */
export interface ExecCommandResult {
  /** Six random hex digits naming this piece of output. */
  readonly chunkId: string;
  /** Time spent waiting for output in this call. */
  readonly wallTimeSeconds: number;
  /** Set when the process exited during (or before) this call. */
  readonly exitCode: number | null;
  /** Set while the process still runs: pass it to `write_stdin`. */
  readonly sessionId: number | null;
  /** Estimated tokens of `aggregatedOutput`, before truncation. */
  readonly originalTokenCount: number;
  /** The output as the model sees it: truncated to `max_output_tokens`. */
  readonly output: string;
  /** All output this call collected (bounded to 1 MiB head and tail), for events. */
  readonly aggregatedOutput: string;
  /** The argv that was run. */
  readonly command: readonly string[];
  /** The call that started the process (for `write_stdin`, the original `exec_command`). */
  readonly eventCallId: string;
  /** The whole call, including starting the process. */
  readonly durationMs: number;
  /** A note for the model when nearly all process slots are taken. */
  readonly warning?: string;
}

/** The header lines of a result, as the original writes them, ending with `Output:`. */
export function resultHeader(
  result: Pick<
    ExecCommandResult,
    'chunkId' | 'wallTimeSeconds' | 'exitCode' | 'sessionId' | 'originalTokenCount'
  >,
): string {
  const lines: string[] = [];
  if (result.chunkId.length > 0) lines.push(`Chunk ID: ${result.chunkId}`);
  lines.push(`Wall time: ${result.wallTimeSeconds.toFixed(4)} seconds`);
  if (result.exitCode !== null) lines.push(`Process exited with code ${result.exitCode}`);
  // The model is trained on "session ID".
  if (result.sessionId !== null) lines.push(`Process running with session ID ${result.sessionId}`);
  lines.push(`Original token count: ${result.originalTokenCount}`);
  lines.push('Output:');
  return lines.join('\n');
}

/** The text returned to the model for a result: its header, a newline, its output. */
export function formatExecCommandResult(result: ExecCommandResult): string {
  return `${resultHeader(result)}\n${result.output}`;
}

/** A chunk id: six random lowercase hex digits. */
export function generateChunkId(): string {
  return randomInt(0, 0x1000000).toString(16).padStart(6, '0');
}

/** Inputs of {@link modelOutput}. */
export interface ModelOutputRequest {
  /** The collected output (with the omission marker in it, if bytes were dropped). */
  readonly text: string;
  /** Bytes the collection cap dropped. */
  readonly omittedBytes: number;
  readonly originalTokenCount: number;
  /** The header the output will follow; its length counts against the budget. */
  readonly header: string;
  readonly maxOutputTokens: number;
  /** The turn's budget for tool output. */
  readonly truncationPolicy: TruncationPolicy;
}

/**
 * The output part of the model's text: truncated to the smaller of `max_output_tokens` and the
 * turn's budget, then shrunk further if header and output together would exceed the turn's
 * budget plus the 20% serialisation allowance (so history never truncates it a second time).
 */
export function modelOutput(request: ModelOutputRequest): string {
  const allowance = byteBudget(scalePolicy(request.truncationPolicy, 1.2));
  const outputBudget = Math.max(0, allowance - (Buffer.byteLength(request.header) + 1));
  const requested: TruncationPolicy = { mode: 'tokens', limit: request.maxOutputTokens };
  let policy =
    byteBudget(requested) < byteBudget(request.truncationPolicy)
      ? requested
      : request.truncationPolicy;
  let output = truncatedOutput(request, policy);
  for (
    let excess = Buffer.byteLength(output) - outputBudget;
    excess > 0 && byteBudget(policy) > 0;
    excess = Buffer.byteLength(output) - outputBudget
  ) {
    const cut = policy.mode === 'bytes' ? excess : approxTokensFromByteCount(excess);
    policy = { mode: policy.mode, limit: Math.max(0, policy.limit - cut) };
    output = truncatedOutput(request, policy);
  }
  return output;
}

function truncatedOutput(request: ModelOutputRequest, policy: TruncationPolicy): string {
  const { text, omittedBytes } = request;
  if (omittedBytes === 0) return formattedTruncateText(text, policy);
  const marker = omissionMarker(omittedBytes);
  if (Buffer.byteLength(text) <= byteBudget(policy)) {
    return text.includes(marker) ? text : `${marker}\n${text}`;
  }
  const truncated = truncateText(text, policy);
  const notice = truncated.includes(marker) ? '' : `${marker}\n`;
  return `Warning: truncated output (original token count: ${request.originalTokenCount})\n${notice}\n${truncated}`;
}
