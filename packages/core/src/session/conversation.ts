import type { ResponseItem } from '../client/types.js';

/** Told when the conversation changes, so it can be persisted. */
export interface ConversationListener {
  /** Items appended at the end. */
  appended(items: readonly ResponseItem[]): void;
  /** Everything replaced (a compaction) by `items`, summarised as `summary`. */
  replaced(items: readonly ResponseItem[], summary: string): void;
}

/** The model-visible history of a session: what the next request carries. */
export class Conversation {
  private list: ResponseItem[];

  constructor(
    initial: readonly ResponseItem[] = [],
    private readonly listener?: ConversationListener,
  ) {
    this.list = [...initial];
  }

  get items(): readonly ResponseItem[] {
    return this.list;
  }

  get length(): number {
    return this.list.length;
  }

  push(...items: ResponseItem[]): void {
    if (items.length === 0) return;
    this.list.push(...items);
    this.listener?.appended(items);
  }

  /** Replaces the whole history (after a compaction). */
  replace(items: readonly ResponseItem[], summary: string): void {
    this.list = [...items];
    this.listener?.replaced(items, summary);
  }
}
