import { describe, expect, it } from 'vitest';
import { style } from '../../src/cli/style.js';

describe('style', () => {
  it('wraps the text in the style\'s terminal codes, whatever stdout is (the caller decides on colour)', () => {
    // Vitest's stdout is no terminal: styleText would drop the codes if it checked the stream.
    expect(style('red', 'error')).toBe('\x1b[31merror\x1b[39m');
    expect(style('bold', 'x')).toBe('\x1b[1mx\x1b[22m');
    expect(style('cyan', ' |')).toBe('\x1b[36m |\x1b[39m');
  });

  it('nests: the inner style closes before the outer one', () => {
    expect(style('red', style('bold', 'error'))).toBe('\x1b[31m\x1b[1merror\x1b[22m\x1b[39m');
  });
});
