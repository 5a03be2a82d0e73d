import { readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { structuredPatch } from 'diff';

/** Lines of context around each change, as `git diff` shows. */
const CONTEXT_LINES = 3;

/**
 * The diff of everything a turn changed: each file's content is remembered the first time the
 * turn touches it, and `unifiedDiff()` compares that baseline with the file as it is now, in
 * `git diff` form with paths relative to the turn's cwd.
 */
export class TurnDiffTracker {
  /** Baseline content by absolute path; null when the file did not exist. */
  private readonly baselines = new Map<string, string | null>();

  constructor(private readonly root: string) {}

  /** Whether the turn has touched any file. */
  get touched(): boolean {
    return this.baselines.size > 0;
  }

  /** Remembers the current content of each path the turn has not touched before. */
  async remember(paths: Iterable<string>): Promise<void> {
    for (const path of paths) {
      if (this.baselines.has(path)) continue;
      this.baselines.set(path, await readText(path));
    }
  }

  /** The turn's changes as a unified diff; empty when the files are back as they were. */
  async unifiedDiff(): Promise<string> {
    const sections: string[] = [];
    const paths = [...this.baselines.keys()].sort();
    for (const path of paths) {
      const before = this.baselines.get(path) ?? null;
      const after = await readText(path);
      if (before === after) continue;
      sections.push(fileDiff(this.displayPath(path), before, after));
    }
    return sections.join('');
  }

  private displayPath(path: string): string {
    const rel = relative(this.root, path);
    const shown = rel.length === 0 || rel.startsWith('..') ? path : rel;
    return shown.split(sep).join('/');
  }
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

function fileDiff(path: string, before: string | null, after: string | null): string {
  const lines = [`diff --git a/${path} b/${path}`];
  if (before === null) lines.push('new file mode 100644');
  if (after === null) lines.push('deleted file mode 100644');
  lines.push(before === null ? '--- /dev/null' : `--- a/${path}`);
  lines.push(after === null ? '+++ /dev/null' : `+++ b/${path}`);
  const patch = structuredPatch(path, path, before ?? '', after ?? '', undefined, undefined, {
    context: CONTEXT_LINES,
  });
  for (const hunk of patch.hunks) {
    lines.push(
      `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`,
    );
    lines.push(...hunk.lines);
  }
  return `${lines.join('\n')}\n`;
}

/** A hunk range as `git diff` writes it: an empty range names the line before it. */
const range = (start: number, count: number) =>
  count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`;
