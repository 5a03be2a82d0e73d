import { CodexError } from '@codex/common';

/** What went wrong with configuration. */
export type ConfigErrorCode =
  /** config.toml is not valid TOML. */
  | 'syntax'
  /** A key holds a value of the wrong type or outside the allowed set. */
  | 'invalid_value'
  /** An unknown key, in strict mode. */
  | 'unknown_key'
  /** The selected profile has neither a `<name>.config.toml` nor a `[profiles.<name>]` table. */
  | 'profile_not_found'
  /** `model_provider` names a provider that is neither built in nor configured. */
  | 'provider_not_found'
  /** A `-c key=value` override is malformed. */
  | 'invalid_override'
  /** A write was refused: the file changed since the caller read it. */
  | 'version_conflict'
  /** A write was refused: the key path or value cannot be written. */
  | 'invalid_edit'
  /** Another writer held config.toml's lock past the timeout; nothing was written. */
  | 'lock_timeout'
  /** The file could not be read, written or locked. */
  | 'io';

/** A configuration problem; the message names the key, the file and the line when known. */
export class ConfigError extends CodexError<ConfigErrorCode> {
  static override readonly brand = 'codex.core.ConfigError';
  /** The file involved, when there is one. */
  readonly file: string | undefined;
  /** 1-based line of the offending key, when known. */
  readonly line: number | undefined;
  /** Dotted key path, when one key is at fault. */
  readonly keyPath: string | undefined;

  constructor(
    code: ConfigErrorCode,
    message: string,
    details: { file?: string; line?: number; keyPath?: string; cause?: unknown } = {},
  ) {
    super(code, message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.file = details.file;
    this.line = details.line;
    this.keyPath = details.keyPath;
  }
}
