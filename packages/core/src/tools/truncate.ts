// Middle truncation of tool output, as the original does it (`codex-rs/utils/string/src/truncate.rs`
// and `codex-rs/utils/output-truncation`): keep a head and a tail on UTF-8 character boundaries and
// put a marker counting what was cut in between. Sizes are UTF-8 bytes; tokens are estimated.

/** The original's token estimate: 4 bytes of UTF-8 per token, rounded up. */
export const APPROX_BYTES_PER_TOKEN = 4;

/**
 * A budget for text shown to the model, in the shape model metadata carries it
 * (`"truncation_policy": { "mode": "tokens", "limit": 10000 }`).
 */
export interface TruncationPolicy {
  readonly mode: 'bytes' | 'tokens';
  readonly limit: number;
}

/** Estimated tokens of `text`: its UTF-8 length divided by 4, rounded up. */
export function approxTokenCount(text: string): number {
  return approxTokensFromByteCount(Buffer.byteLength(text, 'utf8'));
}

/** Estimated tokens of `bytes` bytes of text. */
export function approxTokensFromByteCount(bytes: number): number {
  return bytes <= 0 ? 0 : Math.ceil(bytes / APPROX_BYTES_PER_TOKEN);
}

/** Bytes of text that `tokens` estimated tokens stand for. */
export function approxBytesForTokens(tokens: number): number {
  return Math.max(0, tokens) * APPROX_BYTES_PER_TOKEN;
}

/** The policy's budget in bytes. */
export function byteBudget(policy: TruncationPolicy): number {
  return policy.mode === 'bytes' ? policy.limit : approxBytesForTokens(policy.limit);
}

/** The policy's budget in estimated tokens. */
export function tokenBudget(policy: TruncationPolicy): number {
  return policy.mode === 'tokens' ? policy.limit : approxTokensFromByteCount(policy.limit);
}

/** The policy with its limit multiplied by `factor`, rounded up (never under budget). */
export function scalePolicy(policy: TruncationPolicy, factor: number): TruncationPolicy {
  return { mode: policy.mode, limit: Math.ceil(policy.limit * factor) };
}

/**
 * Keeps at most `maxTokens` estimated tokens of `text`, half from the start and half from the
 * end, joined by `…N tokens truncated…` (N estimated from the bytes cut). Text within budget
 * comes back unchanged.
 */
export function truncateMiddle(text: string, maxTokens: number): string {
  if (text.length === 0) return '';
  if (maxTokens > 0 && Buffer.byteLength(text, 'utf8') <= approxBytesForTokens(maxTokens)) {
    return text;
  }
  return truncateWithByteEstimate(text, approxBytesForTokens(maxTokens), 'tokens');
}

/**
 * Keeps at most `maxBytes` bytes of `text`, half from the start and half from the end, joined by
 * `…N chars truncated…` (N counts the characters cut). The variant byte-based policies use.
 */
export function truncateMiddleChars(text: string, maxBytes: number): string {
  return truncateWithByteEstimate(text, maxBytes, 'chars');
}

/** Middle-truncates `text` to the policy's budget, with the policy's marker. */
export function truncateText(text: string, policy: TruncationPolicy): string {
  return policy.mode === 'bytes'
    ? truncateMiddleChars(text, policy.limit)
    : truncateMiddle(text, policy.limit);
}

/**
 * {@link truncateText} with the original's preamble when anything was cut:
 * `Warning: truncated output (original token count: N)\nTotal output lines: M\n\n<text>`.
 */
export function formattedTruncateText(text: string, policy: TruncationPolicy): string {
  if (Buffer.byteLength(text, 'utf8') <= byteBudget(policy)) return text;
  const originalTokenCount = approxTokenCount(text);
  const totalLines = countLines(text);
  return `Warning: truncated output (original token count: ${originalTokenCount})\nTotal output lines: ${totalLines}\n\n${truncateText(text, policy)}`;
}

/** Lines as Rust's `str::lines` counts them: a final newline does not start another line. */
export function countLines(text: string): number {
  if (text.length === 0) return 0;
  let newlines = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) {
    newlines += 1;
  }
  return text.endsWith('\n') ? newlines : newlines + 1;
}

type MarkerUnit = 'tokens' | 'chars';

function truncateWithByteEstimate(text: string, maxBytes: number, unit: MarkerUnit): string {
  if (text.length === 0) return '';
  const totalBytes = Buffer.byteLength(text, 'utf8');
  if (maxBytes <= 0) {
    const removed = unit === 'tokens' ? approxTokensFromByteCount(totalBytes) : countChars(text);
    return marker(unit, removed);
  }
  if (totalBytes <= maxBytes) return text;
  const headBudget = Math.floor(maxBytes / 2);
  const tailBudget = maxBytes - headBudget;
  const { head, tail, removedChars } = splitOnCharBoundaries(
    text,
    totalBytes,
    headBudget,
    tailBudget,
  );
  const removed =
    unit === 'tokens' ? approxTokensFromByteCount(totalBytes - maxBytes) : removedChars;
  return `${head}${marker(unit, removed)}${tail}`;
}

function marker(unit: MarkerUnit, removed: number): string {
  return `…${removed} ${unit} truncated…`;
}

/**
 * The longest prefix of whole characters within `headBytes`, the longest suffix of whole
 * characters within `tailBytes`, and how many characters lie between them.
 */
function splitOnCharBoundaries(
  text: string,
  totalBytes: number,
  headBytes: number,
  tailBytes: number,
): { head: string; tail: string; removedChars: number } {
  const tailStartTarget = Math.max(0, totalBytes - tailBytes);
  let byteOffset = 0;
  let headEnd = 0; // UTF-16 index
  let tailStart = text.length; // UTF-16 index
  let tailStarted = false;
  let removedChars = 0;
  let index = 0;
  for (const char of text) {
    const charBytes = utf8Length(char.codePointAt(0) ?? 0);
    if (byteOffset + charBytes <= headBytes) {
      headEnd = index + char.length;
    } else if (byteOffset >= tailStartTarget) {
      if (!tailStarted) {
        tailStart = index;
        tailStarted = true;
      }
    } else {
      removedChars += 1;
    }
    byteOffset += charBytes;
    index += char.length;
  }
  if (tailStart < headEnd) tailStart = headEnd;
  return { head: text.slice(0, headEnd), tail: text.slice(tailStart), removedChars };
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  // Lone surrogates encode as U+FFFD (3 bytes), like every other BMP code point here.
  if (codePoint < 0x10000) return 3;
  return 4;
}

function countChars(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
