import { z } from 'zod';
import type { MethodTable, RequestSpec } from './method-table.js';

/** A JSON Schema document (draft-07) for one protocol. */
export interface ProtocolJsonSchema {
  readonly $schema: 'http://json-schema.org/draft-07/schema#';
  readonly title: string;
  readonly definitions: Record<string, unknown>;
  /** For each table, method → `{ params, result? }` as `$ref`s into `definitions`. */
  readonly methods: Record<string, Record<string, { params: unknown; result?: unknown }>>;
}

/** On the wire a BigInt (a request id beyond 2^53) is a plain JSON integer. */
function integerForBigint(context: {
  zodSchema: z.core.$ZodTypes;
  jsonSchema: Record<string, unknown>;
}): void {
  if (context.zodSchema._zod.def.type === 'bigint') context.jsonSchema.type = 'integer';
}

/**
 * Exports a protocol as one JSON Schema document: every named schema in `namespace` (an
 * export ending in `Schema`) becomes a definition, and each table's methods point at them.
 */
export function protocolJsonSchema(
  title: string,
  namespace: Readonly<Record<string, unknown>>,
  tables: Readonly<Record<string, MethodTable>>,
): ProtocolJsonSchema {
  const registry = z.registry<{ id: string }>();
  const idOf = new Map<z.ZodType, string>();
  for (const [exportName, value] of Object.entries(namespace)) {
    if (!exportName.endsWith('Schema') || !(value instanceof z.ZodType)) continue;
    if (idOf.has(value)) continue;
    const id = exportName.slice(0, -'Schema'.length);
    registry.add(value, { id });
    idOf.set(value, id);
  }
  const refTo = (schema: z.ZodType): unknown => {
    const id = idOf.get(schema);
    if (id) return { $ref: `#/definitions/${id}` };
    return z.toJSONSchema(schema, {
      target: 'draft-7',
      unrepresentable: 'any',
      io: 'input',
      override: integerForBigint,
    });
  };
  const exported = z.toJSONSchema(registry, {
    target: 'draft-7',
    unrepresentable: 'any',
    io: 'input',
    uri: (id) => `#/definitions/${id}`,
    override: integerForBigint,
  }) as { schemas: Record<string, Record<string, unknown>> };
  const definitions: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(exported.schemas)) {
    const { $schema: _ignored, id: _id, ...rest } = schema;
    definitions[id] = rest;
  }
  const methods: ProtocolJsonSchema['methods'] = {};
  for (const [tableName, table] of Object.entries(tables)) {
    const entries: Record<string, { params: unknown; result?: unknown }> = {};
    for (const [method, spec] of Object.entries(table)) {
      const result = (spec as Partial<RequestSpec>).result;
      entries[method] = result
        ? { params: refTo(spec.params), result: refTo(result) }
        : { params: refTo(spec.params) };
    }
    methods[tableName] = entries;
  }
  return { $schema: 'http://json-schema.org/draft-07/schema#', title, definitions, methods };
}
