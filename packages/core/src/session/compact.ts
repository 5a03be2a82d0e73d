import type { ModelClient } from '../client/model-client.js';
import type { ResponseItem } from '../client/types.js';
import { approxTokenCount, truncateMiddle } from '../tools/truncate.js';
import { userInputItem } from './prompt.js';
import type { TurnContext } from './turn-context.js';

/** Tokens of recent user messages kept verbatim after a compaction (the original's limit). */
export const COMPACT_USER_MESSAGE_MAX_TOKENS = 20_000;

/** What the model is asked to do when the conversation is compacted (our wording). */
export const COMPACT_PROMPT = `You are about to run out of context. Write a handoff summary of the conversation so far, so that you (or another instance of you) can continue the work from it alone:
- the user's goal and every requirement or constraint they stated;
- what has been done: files changed (with paths), commands run and what they showed, decisions taken and why;
- what remains to do, open questions, and anything that failed and should not be retried the same way.
Be concise and concrete; include exact names, paths and values. Reply with the summary only.`;

/** Put before the summary in the new history, so the model knows what it is reading. */
export const SUMMARY_PREFIX =
  'Another language model started this task and produced a summary of its work so far. Use it to continue; the messages above are the most recent user messages, kept verbatim.\n\nSummary:\n';

const CONTEXT_PREFIXES = [
  '<environment_context>',
  '<permissions instructions>',
  '# AGENTS.md instructions',
  '<turn_aborted>',
  '<user_instructions>',
];

/** The text of a user message written by the user (not context the harness added), or null. */
function userText(item: ResponseItem): string | null {
  if (item.type !== 'message' || item.role !== 'user') return null;
  const text = item.content
    .flatMap((part) => (part?.type === 'input_text' ? [part.text] : []))
    .join('\n');
  if (text.length === 0 || CONTEXT_PREFIXES.some((prefix) => text.startsWith(prefix))) return null;
  if (text.startsWith(SUMMARY_PREFIX)) return null;
  return text;
}

/**
 * The most recent user messages, newest first until `maxTokens`, the oldest kept one cut in
 * the middle to fit; returned in conversation order.
 */
export function recentUserMessages(
  items: readonly ResponseItem[],
  maxTokens = COMPACT_USER_MESSAGE_MAX_TOKENS,
): string[] {
  const kept: string[] = [];
  let left = maxTokens;
  for (let index = items.length - 1; index >= 0 && left > 0; index--) {
    const item = items[index];
    const text = item ? userText(item) : null;
    if (text === null) continue;
    const tokens = approxTokenCount(text);
    if (tokens <= left) {
      kept.push(text);
      left -= tokens;
    } else {
      kept.push(truncateMiddle(text, left));
      left = 0;
    }
  }
  return kept.reverse();
}

/**
 * Summarises the conversation with the model and builds the history that replaces it: the
 * context messages, the recent user messages (up to 20,000 tokens) and the summary.
 */
export async function compactConversation(options: {
  readonly modelClient: ModelClient;
  readonly items: readonly ResponseItem[];
  /** The context messages that open the new history. */
  readonly contextItems: readonly ResponseItem[];
  readonly context: TurnContext;
  readonly threadId: string;
  readonly signal: AbortSignal;
  /** Ask the provider (`/responses/compact`) first; a local summary if that fails. */
  readonly remote?: boolean;
  readonly onRemoteFailure?: (error: unknown) => void;
  /** What the model is asked for (config `compact_prompt`); default {@link COMPACT_PROMPT}. */
  readonly prompt?: string | null;
}): Promise<{ readonly summary: string; readonly replacement: ResponseItem[] }> {
  const { modelClient, context } = options;
  if (options.remote) {
    try {
      const output = await modelClient.compactHistory(options.items, {
        model: context.model,
        threadId: options.threadId,
        signal: options.signal,
      });
      const summary = output
        .flatMap((item) => (item.type === 'message' ? item.content : []))
        .flatMap((part) =>
          part?.type === 'input_text' || part?.type === 'output_text' ? [part.text] : [],
        )
        .join('\n');
      return { summary, replacement: [...options.contextItems, ...output] };
    } catch (error) {
      if (options.signal.aborted) throw error;
      options.onRemoteFailure?.(error);
    }
  }
  let summary = '';
  const stream = modelClient.stream(
    { input: [...options.items, userInputItem(options.prompt || COMPACT_PROMPT)], tools: [] },
    {
      model: context.model,
      reasoningEffort: context.effort,
      reasoningSummary: context.summary,
      threadId: options.threadId,
      signal: options.signal,
    },
  );
  for await (const event of stream) {
    if (event.type === 'retrying') summary = '';
    if (
      event.type === 'outputItemDone' &&
      event.item.type === 'message' &&
      event.item.role === 'assistant'
    )
      summary += event.item.content
        .flatMap((part) => (part?.type === 'output_text' ? [part.text] : []))
        .join('');
  }
  const replacement = [
    ...options.contextItems,
    ...recentUserMessages(options.items).map((text) => userInputItem(text)),
    userInputItem(`${SUMMARY_PREFIX}${summary}`),
  ];
  return { summary, replacement };
}

/** The token count past which a turn compacts first (90 % of the window, or the configured limit). */
export function autoCompactLimit(contextWindow: number, configured: unknown): number {
  const fromWindow = Math.floor(contextWindow * 0.9);
  return typeof configured === 'number' && configured > 0
    ? Math.min(configured, fromWindow)
    : fromWindow;
}
