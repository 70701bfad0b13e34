import { describe, expect, it } from 'vitest';
import { isCi } from '../../bench/lib/ci.js';

describe('what counts as CI (a missing broker then fails instead of skipping)', () => {
  it('CI=true and CI=1 both do; unset, empty, 0 and false do not', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'TRUE' })).toBe(true);
    for (const value of [undefined, '', '0', 'false', 'False']) expect(isCi(value === undefined ? {} : { CI: value }), String(value)).toBe(false);
  });
});
