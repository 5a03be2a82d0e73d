import type { ResponseItem } from '../../client/types.js';
import { recentUserMessages } from '../../session/compact.js';
import { userInputItem } from '../../session/prompt.js';
import type { RolloutItem, TurnContextItem } from './format.js';
import { isPersistedResponseItem } from './policy.js';

/**
 * Rebuilding a thread's model-visible history from its rollout, as the original does on resume
 * (`core/src/session/rollout_reconstruction.rs`): history items in order; a `compacted` record
 * with its replacement history replaces everything before it (a legacy one without it keeps
 * the user messages and the summary); a `thread_rolled_back` marker drops the last N user turns
 * and the context messages sent just before them.
 */

/** A thread's history and settings as its next model request must carry them. */
export interface ReconstructedHistory {
  /** The conversation, context messages included. */
  readonly history: ResponseItem[];
  /** The newest `turn_context` of a turn that survives: the resumed thread's defaults. */
  readonly turnContext: TurnContextItem | undefined;
}

/** Openings of the user messages the harness writes (context, not something the user said). */
const CONTEXT_PREFIXES = [
  '<environment_context>',
  '# AGENTS.md instructions for ',
  '<user_instructions>',
  '<user_shell_command>',
  '<turn_aborted>',
  '<subagent_notification>',
  '<skill>',
  '<permissions instructions>',
];

function firstText(item: ResponseItem & { type: 'message' }): string {
  for (const part of item.content) {
    if (part && (part.type === 'input_text' || part.type === 'output_text')) return part.text;
  }
  return '';
}

/**
 * Whether a user message is context the harness added. The original's newest files say so in
 * the message's metadata (`content_item_kinds`: `user.*` for what the user typed); older files
 * and ours are known by how the text opens.
 */
function isContextUserMessage(item: ResponseItem & { type: 'message' }): boolean {
  const kinds = (
    item.internal_chat_message_metadata_passthrough as { content_item_kinds?: unknown }
  )?.content_item_kinds;
  if (Array.isArray(kinds) && kinds.length > 0)
    return !kinds.some((kind) => typeof kind === 'string' && kind.startsWith('user.'));
  const text = firstText(item).trimStart();
  return CONTEXT_PREFIXES.some((prefix) => text.startsWith(prefix));
}

/** A user message the user wrote: where a user turn starts. */
const isUserTurnStart = (item: ResponseItem): boolean =>
  item.type === 'message' && item.role === 'user' && !isContextUserMessage(item);

/** A context update sent before a turn (developer instructions, environment context). */
const isContextUpdate = (item: ResponseItem): boolean =>
  item.type === 'message' &&
  (item.role === 'developer' || (item.role === 'user' && isContextUserMessage(item)));

/**
 * Replays rollout records one at a time, so that a rollout can be rebuilt while it is read as a
 * stream: memory holds the history since the last compaction, not the file.
 */
export class HistoryReplay {
  #history: ResponseItem[] = [];
  /**
   * The turn contexts seen, with the history's length when each came: a rollback that cuts the
   * history at or before that point drops it. Contexts from before a compaction survive any
   * rollback (`at` -1).
   */
  #contexts: { at: number; item: TurnContextItem }[] = [];

  /** Applies one record. */
  push(item: RolloutItem): void {
    switch (item.type) {
      case 'response_item':
        if (isPersistedResponseItem(item.payload)) this.#history.push(item.payload);
        return;
      case 'compacted': {
        const replacement = item.payload.replacement_history;
        this.#history = replacement
          ? [...replacement]
          : [
              ...recentUserMessages(this.#history).map((text) => userInputItem(text)),
              userInputItem(item.payload.message),
            ];
        const last = this.#contexts.at(-1);
        this.#contexts = last ? [{ at: -1, item: last.item }] : [];
        return;
      }
      case 'event_msg':
        if (item.payload.type === 'thread_rolled_back') {
          const turns = Number(item.payload.num_turns);
          if (Number.isSafeInteger(turns) && turns > 0) this.#dropLastUserTurns(turns);
        }
        return;
      case 'turn_context':
        this.#contexts.push({ at: this.#history.length, item: item.payload });
        return;
      case 'session_meta':
      case 'unknown':
        return;
    }
  }

  #dropLastUserTurns(turns: number): void {
    const starts: number[] = [];
    this.#history.forEach((entry, index) => {
      if (isUserTurnStart(entry)) starts.push(index);
    });
    const first = starts[0];
    if (first === undefined) return;
    let cut = starts[Math.max(starts.length - turns, 0)] ?? first;
    // The context messages sent for a dropped turn go with it (never those before the first turn).
    while (cut > first && isContextUpdate(this.#history[cut - 1] as ResponseItem)) cut--;
    this.#history.length = cut;
    this.#contexts = this.#contexts.filter((context) => context.at < cut);
  }

  /** The history so far. */
  result(): ReconstructedHistory {
    return { history: [...this.#history], turnContext: this.#contexts.at(-1)?.item };
  }
}

/** Rebuilds the history a thread's next model request carries from its rollout records. */
export function reconstructHistory(items: Iterable<RolloutItem>): ReconstructedHistory {
  const replay = new HistoryReplay();
  for (const item of items) replay.push(item);
  return replay.result();
}
