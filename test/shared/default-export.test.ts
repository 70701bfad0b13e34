/** `defaultExportOf` finds a CommonJS module's `exports.default` however the loader handed the module over. */
import * as equalNamespace from 'ajv/dist/runtime/equal.js';
import addFormatsDefault from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { defaultExportOf } from '../../src/shared/default-export.js';

describe('defaultExportOf', () => {
  const thing = (): string => 'thing';

  it('takes `module.exports.default` when the loader gives `module.exports` ({ __esModule, default })', () => {
    expect(defaultExportOf({ __esModule: true, default: thing })).toBe(thing);
  });

  it('unwraps twice for a namespace import of such a module ({ default: module.exports })', () => {
    expect(defaultExportOf({ default: { __esModule: true, default: thing } })).toBe(thing);
  });

  it('keeps a value the loader already unwrapped, or a module that is the thing itself', () => {
    expect(defaultExportOf(thing)).toBe(thing);
    const selfDefault = Object.assign(() => 'plugin', {} as { default?: unknown });
    selfDefault.default = selfDefault; // `module.exports = exports = fn; exports.default = fn`
    expect(defaultExportOf(selfDefault)).toBe(selfDefault);
    expect(defaultExportOf({ default: thing })).toBe(thing);
  });

  it('finds the functions of the packages Chinook reads this way', () => {
    const equal = defaultExportOf<(a: unknown, b: unknown) => boolean>(equalNamespace);
    expect(equal({ a: [1] }, { a: [1] })).toBe(true);
    expect(typeof defaultExportOf(addFormatsDefault)).toBe('function');
  });
});
