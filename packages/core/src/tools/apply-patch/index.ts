export { type ApplyPatchResult, applyPatch, formatSummary } from './apply.js';
export { type AppliedChanges, ApplyPatchError, type ApplyPatchErrorCode } from './errors.js';
export {
  type AddFileHunk,
  type DeleteFileHunk,
  type ParsedPatch,
  type PatchHunk,
  parsePatch,
  type UpdateFileChunk,
  type UpdateFileHunk,
} from './parser.js';
export { type PatchPreview, previewPatch } from './preview.js';
export { extractPatchFromCommand, extractPatchFromScript, type PatchInvocation } from './shell.js';
