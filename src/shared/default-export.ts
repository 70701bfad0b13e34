/**
 * The one way Chinook reads a CommonJS module's `exports.default` (ajv, ajv-formats).
 * Loaders disagree on what an `import` of such a module hands back: Node gives
 * `module.exports` (so the value sits under `.default`, sometimes twice when the import is
 * a namespace), bundlers and vitest's interop have often unwrapped it already.
 */
export function defaultExportOf<T>(module: unknown): T {
  let value: unknown = (module as { default?: unknown } | null)?.default ?? module;
  if (value !== null && typeof value === 'object' && (value as { __esModule?: boolean }).__esModule) {
    value = (value as { default?: unknown }).default;
  }
  return value as T;
}
