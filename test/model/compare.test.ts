import { describe, expect, it } from 'vitest';
import { compareStrings } from '../../src/model/compare.js';

describe('compareStrings', () => {
  it('orders by code units, the same in every locale', () => {
    expect(['b', 'B', 'a', 'ä', 'a-b', 'a1', ''].sort(compareStrings)).toEqual(['', 'B', 'a', 'a-b', 'a1', 'b', 'ä']);
  });

  it('is zero only for equal strings', () => {
    expect(compareStrings('x', 'x')).toBe(0);
    expect(compareStrings('x', 'y')).toBe(-1);
    expect(compareStrings('y', 'x')).toBe(1);
  });
});
