import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';

/** The released app-server's JSON Schema (draft-07), as `@codex/protocol` keeps it. */
export const referenceSchema = JSON.parse(
  readFileSync(
    join(
      import.meta.dirname,
      '..',
      '..',
      'protocol',
      'reference',
      'app-server-protocol.schema.json',
    ),
    'utf8',
  ),
) as Record<string, unknown>;

/** One validator over the reference, shared by every test file that checks wire shapes. */
export const referenceAjv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
referenceAjv.addSchema(referenceSchema, 'reference');

/** The reference definition `name` (under `definitions/v2/`, else `definitions/`), if any. */
export function findDefinition(name: string): ValidateFunction | undefined {
  return (
    referenceAjv.getSchema(`reference#/definitions/v2/${name}`) ??
    referenceAjv.getSchema(`reference#/definitions/${name}`)
  );
}

/** The reference definition `name`; throws when the reference has none. */
export function referenceDefinition(name: string): ValidateFunction {
  const validate = findDefinition(name);
  if (!validate) throw new Error(`no reference definition ${name}`);
  return validate;
}
