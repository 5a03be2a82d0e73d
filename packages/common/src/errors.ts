const BRANDS = Symbol.for('codex.error.brands');

type Branded = { readonly [BRANDS]?: readonly string[] };

/**
 * The base of every local error in codex-ts packages (errors that never cross the wire; those
 * are `JsonRpcError`s). Each error has a string `code` that callers switch on, and a brand that
 * `isInstance` checks, so the test holds even when two copies of a package are loaded (where
 * `instanceof` fails).
 *
 * A subclass names its brand once:
 *
 * ```ts
 * export class ConfigError extends CodexError<ConfigErrorCode> {
 *   static override readonly brand = 'codex.core.ConfigError';
 * }
 * ConfigError.isInstance(error); // true for a ConfigError from any copy of @codex/core
 * CodexError.isInstance(error); // true for every codex-ts error
 * ```
 */
export class CodexError<Code extends string = string> extends Error {
  /** `codex.<package>.<ClassName>`; subclasses override it. */
  static readonly brand: string = 'codex.CodexError';
  /** What went wrong, as a stable string to switch on. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    const brands: string[] = [];
    for (
      let ctor: unknown = new.target;
      typeof ctor === 'function' && ctor !== Error;
      ctor = Object.getPrototypeOf(ctor)
    ) {
      if (Object.hasOwn(ctor, 'brand')) brands.push((ctor as unknown as { brand: string }).brand);
    }
    Object.defineProperty(this, BRANDS, { value: Object.freeze(brands) });
    // The class name from the brand: it survives minifiers that rename classes.
    this.name = (brands[0] ?? CodexError.brand).split('.').pop() ?? 'CodexError';
  }

  /** True when `value` is an instance of this class (or a subclass), from any package copy. */
  static isInstance<T>(
    this: { readonly prototype: T; readonly brand: string },
    value: unknown,
  ): value is T {
    if (typeof value !== 'object' || value === null) return false;
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass the check was called on.
    return (value as Branded)[BRANDS]?.includes(this.brand) === true;
  }
}
