import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const fixturesDir = join(import.meta.dirname, 'fixtures');

export interface Fixture<T = Record<string, unknown>> {
  readonly name: string;
  readonly data: T;
}

export function loadFixtures<T = Record<string, unknown>>(folder: string): Fixture<T>[] {
  const dir = join(fixturesDir, folder);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      name: file.replace(/\.json$/, ''),
      data: JSON.parse(readFileSync(join(dir, file), 'utf8')) as T,
    }));
}

export interface WireFixture {
  /** The whole message as it crossed the wire. */
  message: Record<string, unknown>;
  /** For responses: the method of the request answered. */
  method?: string;
  /** For v2 responses: the reference schema's definition of the result. */
  definition?: string;
}
