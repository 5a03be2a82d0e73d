/**
 * The file operations a patch needs. `applyPatch` runs on the disk; `previewPatch` runs on an
 * in-memory overlay of it, so both take the same steps and report the same errors. Failures
 * are Node file-system errors (with `code`, e.g. `ENOENT`).
 */
export interface PatchWorkspace {
  /** A file's text; invalid UTF-8 is an error unless `lossy`. */
  readText(path: string, options: { readonly lossy: boolean }): Promise<string>;
  /**
   * Replaces (or creates) a file with `text`. An existing file keeps its permissions; a new one
   * copies those of `modeFrom` when given (a moved file), else gets the default (0666 less the umask).
   */
  writeText(path: string, text: string, options?: { readonly modeFrom?: string }): Promise<void>;
  /** Removes a file; a folder is an error. */
  removeFile(path: string): Promise<void>;
  /** Creates the folders leading to `path`. */
  createParentDirectories(path: string): Promise<void>;
}
