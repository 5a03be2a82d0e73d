import { describe, expect, it } from 'vitest';
import { CodexError } from '../src/index.js';

type FruitCode = 'bruised' | 'rotten';
class FruitError extends CodexError<FruitCode> {
  static override readonly brand: string = 'codex.test.FruitError';
}
class AppleError extends FruitError {
  static override readonly brand = 'codex.test.AppleError';
}
/** What a second copy of the same package would define: a different class, the same brand. */
class FruitErrorCopy extends CodexError<FruitCode> {
  static override readonly brand: string = 'codex.test.FruitError';
}

describe('CodexError', () => {
  it('carries a code, a message, a cause and a name taken from the brand', () => {
    const cause = new Error('underneath');
    const error = new AppleError('rotten', 'the apple is rotten', { cause });
    expect(error.code).toBe('rotten');
    expect(error.message).toBe('the apple is rotten');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('AppleError');
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toBe('AppleError: the apple is rotten');
  });

  it('isInstance follows the class hierarchy and ignores everything else', () => {
    const apple = new AppleError('bruised', 'bruised');
    const fruit = new FruitError('rotten', 'rotten');
    expect(AppleError.isInstance(apple)).toBe(true);
    expect(FruitError.isInstance(apple)).toBe(true);
    expect(CodexError.isInstance(apple)).toBe(true);
    expect(AppleError.isInstance(fruit)).toBe(false);
    for (const other of [new Error('x'), null, undefined, 'FruitError', { code: 'rotten' }])
      expect(FruitError.isInstance(other)).toBe(false);
  });

  it('recognises an error from another copy of the package by its brand', () => {
    const fromCopy = new FruitErrorCopy('rotten', 'from the other copy');
    expect(fromCopy instanceof FruitError).toBe(false);
    expect(FruitError.isInstance(fromCopy)).toBe(true);
    expect(FruitErrorCopy.isInstance(new AppleError('bruised', 'x'))).toBe(true);
  });
});
