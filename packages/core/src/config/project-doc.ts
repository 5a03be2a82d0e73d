import { open, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export const PROJECT_DOC_FILENAME = 'AGENTS.md';
/** Separates the user's global instructions from the project's docs, as the original does. */
export const PROJECT_DOC_SEPARATOR = '\n\n--- project-doc ---\n\n';

/** The instructions found for a working directory. */
export interface ProjectDocs {
  /** `$CODEX_HOME/AGENTS.md`, if present and not empty. */
  readonly userInstructions: string | null;
  /** The project's AGENTS.md files, root first, joined by blank lines; capped at the byte limit. */
  readonly projectDoc: string | null;
  /** Every file read, in order (the global file first). */
  readonly sources: readonly string[];
  /** True when the project docs were cut at the byte limit. */
  readonly truncated: boolean;
}

/** Options of {@link discoverProjectDocs}. */
export interface ProjectDocOptions {
  /** The directory whose AGENTS.md files are read, up to the git root. */
  readonly cwd: string;
  /** Where the user's own AGENTS.md is read; without it, none is. */
  readonly codexHome?: string;
  /** Total bytes of project docs to read; 0 disables them. Default 32 KiB. */
  readonly maxBytes?: number;
}

const exists = async (path: string) => {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
};

/** The nearest folder at or above `cwd` holding `.git` (a folder, or a file for worktrees). */
export async function findGitRoot(cwd: string): Promise<string | null> {
  let dir = resolve(cwd);
  for (;;) {
    if (await exists(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Reads at most `limit` bytes of a regular file; null when it is missing or not a file. */
async function readPrefix(
  path: string,
  limit: number,
): Promise<{ text: string; cut: boolean } | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return null;
    // One byte past the limit shows whether the cut splits a UTF-8 sequence.
    const size = Math.min(info.size, limit + 1);
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    const cut = bytesRead > limit;
    let end = Math.min(bytesRead, limit);
    if (cut) while (end > 0 && ((buffer[end] ?? 0) & 0xc0) === 0x80) end--;
    return { text: buffer.subarray(0, end).toString('utf8'), cut };
  } finally {
    await handle.close();
  }
}

/**
 * Finds AGENTS.md from the git root (or `cwd` outside a repository) down to `cwd`, plus the
 * user's `$CODEX_HOME/AGENTS.md`. Project docs together are capped at `maxBytes`.
 */
export async function discoverProjectDocs(options: ProjectDocOptions): Promise<ProjectDocs> {
  const cwd = resolve(options.cwd);
  const maxBytes = options.maxBytes ?? 32 * 1024;
  const sources: string[] = [];
  let userInstructions: string | null = null;
  if (options.codexHome !== undefined) {
    const path = join(options.codexHome, PROJECT_DOC_FILENAME);
    const found = await readPrefix(path, 1024 * 1024);
    if (found && found.text.trim().length > 0) {
      userInstructions = found.text.trim();
      sources.push(path);
    }
  }
  if (maxBytes <= 0) return { userInstructions, projectDoc: null, sources, truncated: false };

  const root = (await findGitRoot(cwd)) ?? cwd;
  const dirs: string[] = [];
  for (let dir = cwd; ; dir = dirname(dir)) {
    dirs.unshift(dir);
    if (dir === root || dirname(dir) === dir) break;
  }
  const parts: string[] = [];
  let remaining = maxBytes;
  let truncated = false;
  for (const dir of dirs) {
    if (remaining <= 0) {
      if (await exists(join(dir, PROJECT_DOC_FILENAME))) truncated = true;
      continue;
    }
    const path = join(dir, PROJECT_DOC_FILENAME);
    const found = await readPrefix(path, remaining);
    if (!found) continue;
    truncated ||= found.cut;
    remaining -= Buffer.byteLength(found.text);
    if (found.text.trim().length === 0) continue;
    parts.push(found.text);
    sources.push(path);
  }
  return {
    userInstructions,
    projectDoc: parts.length > 0 ? parts.join('\n\n') : null,
    sources,
    truncated,
  };
}

/** The user instructions and project docs as one text, in the original's layout. */
export function combineInstructions(docs: ProjectDocs): string | null {
  if (docs.userInstructions !== null && docs.projectDoc !== null)
    return `${docs.userInstructions}${PROJECT_DOC_SEPARATOR}${docs.projectDoc}`;
  return docs.userInstructions ?? docs.projectDoc;
}
