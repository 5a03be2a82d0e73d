import { access } from 'node:fs/promises';
import { type HistoryItem, listItems, listTurns, type TurnSummary } from '@codex/core';
import { isConversationTurn, threadItemsFromHistory, turnsFromHistory } from '@codex/core/wire';
import type { v2 } from '@codex/protocol';

/** Turns read at most for a full hydration (`includeTurns`), and items: a bound in bytes' stead. */
const MAX_HYDRATED_TURNS = 10_000;
const MAX_HYDRATED_ITEMS = 200_000;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link readTurns}. */
export interface ReadTurnsOptions {
  readonly direction: 'asc' | 'desc';
  readonly limit?: number | null;
  readonly cursor?: string | null;
  readonly itemsView: v2.TurnItemsView;
}

async function allItems(path: string, turnId: string | null = null): Promise<HistoryItem[]> {
  const items: HistoryItem[] = [];
  let cursor: string | null = null;
  do {
    const page = await listItems(path, { turnId, cursor, limit: 1_000 });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < MAX_HYDRATED_ITEMS);
  return items;
}

/** A page of turns from a rollout, each with the items its view asks for. */
export async function readTurns(
  path: string,
  options: ReadTurnsOptions,
): Promise<{ turns: v2.Turn[]; nextCursor: string | null }> {
  const page = await listTurns(path, {
    direction: options.direction,
    limit: options.limit ?? null,
    cursor: options.cursor ?? null,
  });
  const summaries = page.turns.filter(isConversationTurn);
  if (options.itemsView === 'notLoaded') {
    return { turns: turnsFromHistory(summaries, [], 'notLoaded'), nextCursor: page.nextCursor };
  }
  const history: HistoryItem[] = [];
  for (const summary of summaries) history.push(...(await allItems(path, summary.turnId)));
  return {
    turns: turnsFromHistory(summaries, history, options.itemsView),
    nextCursor: page.nextCursor,
  };
}

/** Every turn of a rollout, oldest first, with all its items (none before it is written). */
export async function readAllTurns(path: string): Promise<v2.Turn[]> {
  if (!(await exists(path))) return [];
  const summaries: TurnSummary[] = [];
  let cursor: string | null = null;
  do {
    const page = await listTurns(path, { direction: 'asc', cursor, limit: 200 });
    summaries.push(...page.turns);
    cursor = page.nextCursor;
  } while (cursor && summaries.length < MAX_HYDRATED_TURNS);
  return turnsFromHistory(summaries.filter(isConversationTurn), await allItems(path), 'full');
}

/** A page of items from a rollout, as v2 entries. */
export async function readItems(
  path: string,
  options: { turnId: string | null; cursor: string | null; limit: number | null },
): Promise<{ entries: v2.ThreadItemEntry[]; nextCursor: string | null }> {
  const page = await listItems(path, options);
  return { entries: threadItemsFromHistory(page.items), nextCursor: page.nextCursor };
}
