type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const COMBINATORS = ['anyOf', 'oneOf', 'allOf'] as const;

/**
 * An MCP tool's `inputSchema` made into function `parameters` the Responses API takes, as the
 * released original does: the top level is an object (with `properties`), arrays get `items`,
 * `const` becomes a one-value string `enum`, an `enum` without a type is a string, a property
 * with nothing to say what it is becomes `{}`, and `$schema` goes. `required`, `anyOf` and
 * friends, type unions and `additionalProperties` are kept.
 */
export function toolParameters(inputSchema: unknown): Json {
  const top = sanitize(isObject(inputSchema) ? inputSchema : {}, true);
  return top.type === undefined
    ? { ...top, type: 'object', properties: top.properties ?? {} }
    : top;
}

function sanitize(schema: Json, isTop = false): Json {
  const { $schema: _dialect, ...rest } = schema;
  const out: Json = { ...rest };
  if ('const' in out) {
    const value = out.const;
    delete out.const;
    out.type ??= 'string';
    out.enum = [value];
  }
  if (Array.isArray(out.enum) && out.type === undefined) out.type = 'string';
  for (const key of COMBINATORS) {
    const options = out[key];
    if (Array.isArray(options))
      out[key] = options.map((option) => (isObject(option) ? sanitize(option) : option));
  }
  const describesItself =
    out.type !== undefined || COMBINATORS.some((key) => key in out) || '$ref' in out;
  if (!describesItself && !isTop) return {};
  const types = Array.isArray(out.type) ? out.type : [out.type];
  if (types.includes('object') || (isTop && out.type === undefined)) {
    const properties = isObject(out.properties) ? out.properties : {};
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([name, value]) => [
        name,
        isObject(value) ? sanitize(value) : {},
      ]),
    );
    if (isObject(out.additionalProperties))
      out.additionalProperties = sanitize(out.additionalProperties);
  }
  if (types.includes('array'))
    out.items = isObject(out.items) ? sanitize(out.items) : { type: 'string' };
  return out;
}
