import type { CommandRunResult } from './command.js';
import type { HookEventName, HookOutputEntry, HookRunStatus } from './types.js';

/** What one handler's run decided, before the handlers of an event are merged. */
export interface HandlerDecision {
  readonly status: Exclude<HookRunStatus, 'running'>;
  readonly entries: HookOutputEntry[];
  /** A block reason (PostToolUse: feedback for the model). */
  readonly block: string | null;
  readonly additionalContext: string[];
  readonly updatedInput: Record<string, unknown> | null;
  /** Set for `continue: false`: its `stopReason`, else a default text. */
  readonly stop: string | null;
  readonly systemMessage: string | null;
}

/** The stdout of a hook as JSON, its known fields checked. */
interface HookJson {
  readonly continue: boolean;
  readonly stopReason: string | null;
  readonly suppressOutput: boolean;
  readonly systemMessage: string | null;
  readonly decision: string | null;
  readonly reason: string | null;
  readonly specific: {
    readonly additionalContext: string | null;
    readonly permissionDecision: string | null;
    readonly permissionDecisionReason: string | null;
    readonly updatedInput: Record<string, unknown> | null;
  };
}

/** How each event names itself in the original's "invalid … JSON output" error. */
const JSON_LABEL: Readonly<Record<HookEventName, string>> = {
  PreToolUse: 'pre-tool-use',
  PostToolUse: 'post-tool-use',
  SessionStart: 'session start',
  UserPromptSubmit: 'user prompt submit',
  Stop: 'stop hook',
};

/** The exit code that blocks, with the reason on stderr. */
const BLOCKING_EXIT_CODE = 2;

/** Builds a decision: each event's parser pushes entries and fills in what it found. */
class Decision {
  status: HandlerDecision['status'] = 'completed';
  readonly entries: HookOutputEntry[] = [];
  block: string | null = null;
  readonly additionalContext: string[] = [];
  updatedInput: Record<string, unknown> | null = null;
  stop: string | null = null;
  systemMessage: string | null = null;

  fail(text: string): this {
    this.status = 'failed';
    this.entries.push({ kind: 'error', text });
    return this;
  }

  context(text: string): void {
    this.entries.push({ kind: 'context', text });
    this.additionalContext.push(text);
  }

  warn(json: HookJson): void {
    if (json.systemMessage === null) return;
    this.systemMessage = json.systemMessage;
    this.entries.push({ kind: 'warning', text: json.systemMessage });
  }

  blocked(reason: string, status: HandlerDecision['status'] = 'blocked'): void {
    this.status = status;
    this.block = reason;
    this.entries.push({ kind: 'feedback', text: reason });
  }

  /** `continue: false`: the `stop` entry only when a reason was given, as in the original. */
  stopped(event: HookEventName, json: HookJson): void {
    this.status = 'stopped';
    this.stop = json.stopReason ?? `${event} hook stopped execution`;
    if (json.stopReason !== null) this.entries.push({ kind: 'stop', text: json.stopReason });
  }
}

/**
 * Reads one run as the original reads it for `event`: exit 0 parses stdout (JSON, or plain text
 * as context for SessionStart and UserPromptSubmit), exit 2 blocks with stderr as the reason,
 * anything else fails the run without blocking.
 */
export function interpretRun(event: HookEventName, run: CommandRunResult): HandlerDecision {
  const decision = new Decision();
  if (run.error !== null) return decision.fail(run.error);
  if (run.exitCode === null) return decision.fail('hook exited without a status code');
  if (run.exitCode === BLOCKING_EXIT_CODE && event !== 'SessionStart') {
    const reason = run.stderr.trim();
    if (reason.length > 0)
      decision.blocked(reason, event === 'PostToolUse' ? 'completed' : 'blocked');
    else decision.fail(missingStderrMessage(event));
    return decision;
  }
  if (run.exitCode !== 0) return decision.fail(`hook exited with code ${run.exitCode}`);

  const stdout = run.stdout.trim();
  if (stdout.length === 0) return decision;
  const json = parseHookJson(stdout);
  if (json === null) {
    const looksLikeJson = stdout.startsWith('{') || stdout.startsWith('[');
    if (looksLikeJson || event === 'Stop')
      return decision.fail(`hook returned invalid ${JSON_LABEL[event]} JSON output`);
    // Plain text is context where Claude Code makes it so; elsewhere it is ignored.
    if (event === 'SessionStart' || event === 'UserPromptSubmit') decision.context(stdout);
    return decision;
  }
  decision.warn(json);
  PARSERS[event](decision, json);
  return decision;
}

function missingStderrMessage(event: HookEventName): string {
  switch (event) {
    case 'PreToolUse':
    case 'UserPromptSubmit':
      return `${event} hook exited with code 2 but did not write a blocking reason to stderr`;
    case 'PostToolUse':
      return 'PostToolUse hook exited with code 2 but did not write feedback to stderr';
    case 'Stop':
      return 'Stop hook exited with code 2 but did not write a continuation prompt to stderr';
    case 'SessionStart':
      return 'hook exited with code 2';
  }
}

const blockWithoutReason = (event: HookEventName) =>
  `${event} hook returned decision:block without a non-empty reason`;

const trimmed = (text: string | null): string | null => {
  const value = text?.trim() ?? '';
  return value.length > 0 ? value : null;
};

const PARSERS: Readonly<Record<HookEventName, (decision: Decision, json: HookJson) => void>> = {
  PreToolUse(decision, json) {
    const invalid = preToolUseProblem(json);
    if (invalid !== null) {
      decision.fail(invalid);
      return;
    }
    const { specific } = json;
    if (specific.additionalContext !== null) decision.context(specific.additionalContext);
    const usesSpecific = hasSpecificDecision(json);
    const reason = usesSpecific
      ? specific.permissionDecision === 'deny'
        ? trimmed(specific.permissionDecisionReason)
        : null
      : json.decision === 'block'
        ? trimmed(json.reason)
        : null;
    if (reason !== null) decision.blocked(reason);
    else if (specific.permissionDecision === 'allow') decision.updatedInput = specific.updatedInput;
  },

  PostToolUse(decision, json) {
    const block = json.decision === 'block';
    const invalid = json.suppressOutput
      ? 'PostToolUse hook returned unsupported suppressOutput'
      : block && trimmed(json.reason) === null
        ? blockWithoutReason('PostToolUse')
        : !block && json.continue && json.reason !== null
          ? 'PostToolUse hook returned reason without decision'
          : null;
    if (invalid === null && json.specific.additionalContext !== null)
      decision.context(json.specific.additionalContext);
    if (!json.continue) {
      // Unlike the other events, PostToolUse always reports a `stop` entry.
      const stopText = json.stopReason ?? 'PostToolUse hook stopped execution';
      decision.stopped('PostToolUse', json);
      if (json.stopReason === null) decision.entries.push({ kind: 'stop', text: stopText });
      // The tool has run: the model is told why processing stops instead of seeing its output.
      decision.block = trimmed(json.reason) ?? stopText;
    } else if (invalid !== null) decision.fail(invalid);
    else if (block && json.reason !== null) decision.blocked(json.reason);
  },

  SessionStart(decision, json) {
    if (json.specific.additionalContext !== null) decision.context(json.specific.additionalContext);
    if (!json.continue) decision.stopped('SessionStart', json);
  },

  UserPromptSubmit(decision, json) {
    const block = json.decision === 'block';
    const invalid = block && trimmed(json.reason) === null;
    if (!invalid && json.specific.additionalContext !== null)
      decision.context(json.specific.additionalContext);
    if (!json.continue) decision.stopped('UserPromptSubmit', json);
    else if (invalid) decision.fail(blockWithoutReason('UserPromptSubmit'));
    else if (block && json.reason !== null) decision.blocked(json.reason);
  },

  Stop(decision, json) {
    const block = json.decision === 'block';
    const reason = trimmed(json.reason);
    if (!json.continue) decision.stopped('Stop', json);
    else if (block && reason === null) decision.fail(blockWithoutReason('Stop'));
    else if (block && reason !== null) decision.blocked(reason);
  },
};

const hasSpecificDecision = ({ specific }: HookJson) =>
  specific.permissionDecision !== null ||
  specific.permissionDecisionReason !== null ||
  specific.updatedInput !== null;

/** Why a PreToolUse answer cannot be used (the original's messages), or null. */
function preToolUseProblem(json: HookJson): string | null {
  if (!json.continue) return 'PreToolUse hook returned unsupported continue:false';
  if (json.stopReason !== null) return 'PreToolUse hook returned unsupported stopReason';
  if (json.suppressOutput) return 'PreToolUse hook returned unsupported suppressOutput';
  const { specific } = json;
  if (hasSpecificDecision(json)) {
    const permission = specific.permissionDecision;
    if (specific.updatedInput !== null && permission !== 'allow')
      return 'PreToolUse hook returned updatedInput without permissionDecision:allow';
    if (permission === 'allow' && specific.updatedInput === null)
      return 'PreToolUse hook returned unsupported permissionDecision:allow';
    if (permission === 'ask') return 'PreToolUse hook returned unsupported permissionDecision:ask';
    if (permission === 'deny' && trimmed(specific.permissionDecisionReason) === null)
      return 'PreToolUse hook returned permissionDecision:deny without a non-empty permissionDecisionReason';
    if (permission === null && specific.permissionDecisionReason !== null)
      return 'PreToolUse hook returned permissionDecisionReason without permissionDecision';
    return null;
  }
  if (json.decision === 'approve') return 'PreToolUse hook returned unsupported decision:approve';
  if (json.decision === 'block' && trimmed(json.reason) === null)
    return blockWithoutReason('PreToolUse');
  if (json.decision === null && json.reason !== null)
    return 'PreToolUse hook returned reason without decision';
  return null;
}

type Table = Record<string, unknown>;
const isTable = (value: unknown): value is Table =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Thrown inside {@link parseHookJson} when a known field has the wrong type. */
class WrongType extends Error {}

/**
 * Stdout as a JSON object with its known fields of the right types, or null (the original then
 * treats the output as not JSON). Unknown fields are ignored.
 */
function parseHookJson(stdout: string): HookJson | null {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    return null;
  }
  if (!isTable(value)) return null;
  const specific = value.hookSpecificOutput ?? null;
  if (specific !== null && !isTable(specific)) return null;
  try {
    const permission = optionalString(specific, 'permissionDecision');
    if (permission !== null && !['allow', 'deny', 'ask'].includes(permission)) return null;
    const decision = optionalString(value, 'decision');
    if (decision !== null && !['block', 'approve'].includes(decision)) return null;
    const updatedInput = specific?.updatedInput ?? null;
    if (updatedInput !== null && !isTable(updatedInput)) return null;
    return {
      continue: optionalBoolean(value, 'continue') ?? true,
      stopReason: optionalString(value, 'stopReason'),
      suppressOutput: optionalBoolean(value, 'suppressOutput') ?? false,
      systemMessage: optionalString(value, 'systemMessage'),
      decision,
      reason: optionalString(value, 'reason'),
      specific: {
        additionalContext: optionalString(specific, 'additionalContext'),
        permissionDecision: permission,
        permissionDecisionReason: optionalString(specific, 'permissionDecisionReason'),
        updatedInput,
      },
    };
  } catch (error) {
    if (error instanceof WrongType) return null;
    throw error;
  }
}

function optionalString(table: Table | null, key: string): string | null {
  const value = table?.[key] ?? null;
  if (value !== null && typeof value !== 'string') throw new WrongType(key);
  return value;
}

function optionalBoolean(table: Table | null, key: string): boolean | null {
  const value = table?.[key] ?? null;
  if (value !== null && typeof value !== 'boolean') throw new WrongType(key);
  return value;
}
