import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@codex/common';
import { MockIssuer } from '@codex/test-support';
import { afterEach, beforeEach } from 'vitest';
import { LoginError } from '../src/index.js';

export const quiet = silentLogger;

/** A fresh CODEX_HOME and mock issuer for every test of the calling file. */
export function useLoginFixture(prefix: string, setup: (issuer: MockIssuer) => void = () => {}) {
  const fixture = { home: '', issuer: undefined as unknown as MockIssuer };
  beforeEach(async () => {
    fixture.home = mkdtempSync(join(tmpdir(), prefix));
    fixture.issuer = await MockIssuer.start();
    setup(fixture.issuer);
  });
  afterEach(async () => {
    await fixture.issuer.close();
    rmSync(fixture.home, { recursive: true, force: true });
  });
  return fixture;
}

/** The LoginError `promise` rejects with (any other outcome fails the test). */
export async function loginErrorOf(promise: Promise<unknown>): Promise<LoginError> {
  try {
    await promise;
  } catch (error) {
    if (LoginError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a LoginError');
}
