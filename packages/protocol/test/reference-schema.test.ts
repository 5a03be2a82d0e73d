import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { loadFixtures, type WireFixture } from './support.js';

// The released app-server's JSON Schema (draft-07): the v2 fixtures must satisfy it too, so our
// zod schemas cannot drift into accepting shapes the original would reject.
const reference = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', 'reference', 'app-server-protocol.schema.json'),
    'utf8',
  ),
) as Record<string, unknown>;

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(reference, 'reference');
const validatorFor = (name: string): ValidateFunction => {
  // Definitions live under `definitions/v2/` or, for the older shared ones, `definitions/`.
  const validate =
    ajv.getSchema(`reference#/definitions/v2/${name}`) ??
    ajv.getSchema(`reference#/definitions/${name}`);
  if (!validate) throw new Error(`no reference definition ${name}`);
  return validate;
};

function definitionOf(fixture: WireFixture): string {
  const { message } = fixture;
  if ('error' in message) return 'JSONRPCError';
  if ('result' in message) {
    if (!fixture.definition) throw new Error('response fixtures name their result definition');
    return fixture.definition;
  }
  if ('id' in message) {
    const method = String(message.method);
    const serverRequests = [
      'item/',
      'account/chatgptAuthTokens/refresh',
      'execCommandApproval',
      'applyPatchApproval',
    ];
    const fromServer = serverRequests.some((prefix) => method.startsWith(prefix));
    return fromServer ? 'ServerRequest' : 'ClientRequest';
  }
  return message.method === 'initialized' ? 'ClientNotification' : 'ServerNotification';
}

describe('v2 fixtures validate against the reference JSON Schema', () => {
  const fixtures = loadFixtures<WireFixture>('v2');

  it.each(fixtures.map((f) => [f.name, f.data] as const))('%s', (_name, fixture) => {
    const definition = definitionOf(fixture);
    const validate = validatorFor(definition);
    const candidate = fixture.definition ? fixture.message.result : fixture.message;
    const valid = validate(candidate);
    expect(valid, ajv.errorsText(validate.errors)).toBe(true);
  });

  it('rejects what the reference rejects (the check can fail)', () => {
    const validate = validatorFor('ClientRequest');
    expect(validate({ id: 1, method: 'turn/start', params: { threadId: 'x' } })).toBe(false);
  });
});
