import { CodexError } from '@codex/common';
import type { core } from '@codex/protocol';

/** Why a patch was refused or stopped part way. */
export type ApplyPatchErrorCode =
  /** The text is not framed by `*** Begin Patch` / `*** End Patch`. */
  | 'invalid_patch'
  /** A hunk is malformed (bad header, bad chunk line, absolute path); `line` says where. */
  | 'invalid_hunk'
  /** The patch holds no hunk at all. */
  | 'empty_patch'
  /** An Update's `@@` context or its old lines are not in the file. */
  | 'missing_context'
  /** The file to update or delete does not exist. */
  | 'missing_file'
  /** Reading, writing or removing a file failed for another reason. */
  | 'io';

/** The changes a patch made before it stopped, in the shape {@link ApplyPatchResult} uses. */
export interface AppliedChanges {
  /** Paths of added files, as the patch wrote them, in patch order. */
  readonly added: readonly string[];
  /** Paths of updated files (a moved file under its new path), as the patch wrote them. */
  readonly modified: readonly string[];
  /** Paths of deleted files, as the patch wrote them. */
  readonly deleted: readonly string[];
  /** Each touched file's change, keyed by its absolute path (a move by its source path). */
  readonly changes: Readonly<Record<string, core.FileChange>>;
}

/**
 * A patch that could not be parsed, previewed or applied. `message` is the text the original
 * prints on stderr (and so the text the model reads), e.g. `Invalid patch hunk on line 2: ...` or
 * `Failed to find expected lines in /abs/file.txt:\n...`.
 */
export class ApplyPatchError extends CodexError<ApplyPatchErrorCode> {
  static override readonly brand = 'codex.core.ApplyPatchError';
  /** 1-based line of the patch text at fault, for `invalid_hunk`. */
  readonly line: number | undefined;
  /** Absolute path of the file at fault, for file errors. */
  readonly path: string | undefined;
  /**
   * What `applyPatch` had already done when it stopped: those changes stay on disk (the original
   * does not roll back). Absent for parse errors and for `previewPatch`, which write nothing.
   */
  readonly partial: AppliedChanges | undefined;

  constructor(
    code: ApplyPatchErrorCode,
    message: string,
    details: { line?: number; path?: string; partial?: AppliedChanges; cause?: unknown } = {},
  ) {
    super(code, message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.line = details.line;
    this.path = details.path;
    this.partial = details.partial;
  }

  /** The same error, carrying `partial` (or nothing) as what was applied before it. */
  withPartial(partial: AppliedChanges | undefined): ApplyPatchError {
    const details: { line?: number; path?: string; partial?: AppliedChanges; cause?: unknown } = {};
    if (partial !== undefined) details.partial = partial;
    if (this.line !== undefined) details.line = this.line;
    if (this.path !== undefined) details.path = this.path;
    if (this.cause !== undefined) details.cause = this.cause;
    return new ApplyPatchError(this.code, this.message, details);
  }
}
