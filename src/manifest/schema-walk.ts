/**
 * A schema-aware walk over a JSON Schema (draft 2020-12): visits every subschema with
 * its path of keys from the schema root, so a property named `title` or `$ref` inside
 * `properties` is never mistaken for a keyword.
 */
export type SchemaObject = { readonly [key: string]: unknown };
export type SchemaPath = readonly (string | number)[];

const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'] as const;
const SCHEMA_VALUES = [
  'items', 'additionalItems', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems',
  'not', 'if', 'then', 'else', 'contains', 'propertyNames',
] as const;
const SCHEMA_ARRAYS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const;

export function isSchemaObject(value: unknown): value is SchemaObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Calls `visit` for the root and every nested subschema, depth first, in key order. */
export function walkSchema(schema: unknown, visit: (node: SchemaObject, path: SchemaPath) => void, path: SchemaPath = []): void {
  if (!isSchemaObject(schema)) return;
  visit(schema, path);
  for (const key of SCHEMA_MAPS) {
    const map = schema[key];
    if (isSchemaObject(map)) for (const name of Object.keys(map)) walkSchema(map[name], visit, [...path, key, name]);
  }
  for (const key of SCHEMA_VALUES) {
    const value = schema[key];
    if (Array.isArray(value)) value.forEach((v, i) => walkSchema(v, visit, [...path, key, i]));
    else walkSchema(value, visit, [...path, key]);
  }
  for (const key of SCHEMA_ARRAYS) {
    const list = schema[key];
    if (Array.isArray(list)) list.forEach((v, i) => walkSchema(v, visit, [...path, key, i]));
  }
}

/** A deep copy in which `transform` may replace any subschema (applied bottom-up). */
export function mapSchema(schema: unknown, transform: (node: Record<string, unknown>, path: SchemaPath) => Record<string, unknown>, path: SchemaPath = []): unknown {
  if (!isSchemaObject(schema)) return structuredClone(schema);
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if ((SCHEMA_MAPS as readonly string[]).includes(key) && isSchemaObject(value)) {
      const map: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(value)) map[name] = mapSchema(sub, transform, [...path, key, name]);
      copy[key] = map;
    } else if ((SCHEMA_VALUES as readonly string[]).includes(key)) {
      copy[key] = Array.isArray(value) ? value.map((v, i) => mapSchema(v, transform, [...path, key, i])) : mapSchema(value, transform, [...path, key]);
    } else if ((SCHEMA_ARRAYS as readonly string[]).includes(key) && Array.isArray(value)) {
      copy[key] = value.map((v, i) => mapSchema(v, transform, [...path, key, i]));
    } else {
      copy[key] = structuredClone(value);
    }
  }
  return transform(copy, path);
}
