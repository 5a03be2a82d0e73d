import { CodexError } from '@codex/common';

/** Why exec-policy rules could not be loaded or amended. */
export type ExecPolicyErrorCode =
  /** The text is not in the supported Starlark subset (bad token, positional argument, variable, unknown function). */
  | 'parse'
  /** A call is well formed but an argument is wrong (bad decision, empty pattern, unknown keyword). */
  | 'invalid_rule'
  /** A `match` example does not match its rule, or a `not_match` example does. */
  | 'example_mismatch'
  /** A rules file or folder could not be read, locked or written. */
  | 'io';

/** Where in a rules file something is; `line` and `column` are 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * A rules file that cannot be used, or an amendment that could not be written. The message
 * starts with `file:line:column:` whenever a place in a file is at fault.
 */
export class ExecPolicyError extends CodexError<ExecPolicyErrorCode> {
  static override readonly brand = 'codex.core.ExecPolicyError';
  /** The rules file involved, when there is one. */
  readonly file: string | undefined;
  /** 1-based line at fault, when known. */
  readonly line: number | undefined;
  /** 1-based column at fault, when known. */
  readonly column: number | undefined;

  constructor(
    code: ExecPolicyErrorCode,
    message: string,
    details: { file?: string; line?: number; column?: number; cause?: unknown } = {},
  ) {
    super(code, message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
  }

  /** An error at `at`, its message prefixed with `file:line:column:`. */
  static at(code: ExecPolicyErrorCode, at: SourceLocation, message: string): ExecPolicyError {
    return new ExecPolicyError(code, `${at.file}:${at.line}:${at.column}: ${message}`, at);
  }
}
