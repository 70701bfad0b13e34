import { describe, expect, it } from 'vitest';
import { createRejectionLines } from '../../src/cli/run/rejection-lines.js';

describe('console rejection lines', () => {
  it('prints the first rejection of a kind, then at most one line per interval with the count since', () => {
    let clock = 0;
    const lines: string[] = [];
    const rejected = createRejectionLines((line) => lines.push(line), () => clock, 10_000);
    for (let i = 0; i < 1000; i++) rejected('p/state/power', 'not-json', '7 bytes that do not parse as JSON');
    rejected('p/state/lighting', 'not-json', 'x');
    for (let i = 0; i < 1000; i++) rejected(`p/state/random-${i}`, 'unknown-domain', `"random-${i}" is not a domain`);
    expect(lines).toEqual([
      'rejected on p/state/power: not-json: 7 bytes that do not parse as JSON',
      'rejected on p/state/lighting: not-json: x',
      'rejected on p/state/random-0: unknown-domain: "random-0" is not a domain',
    ]);
    clock = 10_000;
    rejected('p/state/power', 'not-json', 'again');
    expect(lines.at(-1)).toBe('rejected on p/state/power: not-json: again (1000 since the last report)');
  });
});
