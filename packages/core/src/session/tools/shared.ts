import { CodexError } from '@codex/common';
import type { ToolCall, ToolResult } from '../tool-call.js';

/** A function call's JSON arguments, or a custom call's input. */
export function argumentsOf(call: ToolCall): string {
  switch (call.kind) {
    case 'function':
      return call.arguments;
    case 'custom':
      return call.input;
    case 'local_shell':
      return JSON.stringify({
        command: call.argv,
        workdir: call.workdir,
        timeout_ms: call.timeoutMs,
      });
  }
}

/** The output for a call that failed in a way the model should hear about. */
export function failureOutput(error: unknown): ToolResult {
  if (CodexError.isInstance(error)) return { output: (error as Error).message };
  throw error;
}

/** Seconds as the original prints wall time in tool outputs: one decimal, `0` for zero. */
export const wallTimeSeconds = (ms: number) => String(Math.round(ms / 100) / 10);

/** A `Duration` as the protocol carries it. */
export const durationOf = (ms: number) => ({
  secs: Math.floor(ms / 1000),
  nanos: Math.round((ms % 1000) * 1_000_000),
});
