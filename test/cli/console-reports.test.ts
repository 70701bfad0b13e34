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

describe('console: paused from the service\'s own report', () => {
  it('reads paused and resumed lines, and shows paused as ◐', async () => {
    const { pausedByReport } = await import('../../src/cli/run/run-console.js');
    const { renderConsole } = await import('../../src/cli/run/render-console.js');
    expect(pausedByReport('paused: update callbacks and publishes are held until every required dependency is back')).toBe(true);
    expect(pausedByReport('resumed')).toBe(false);
    expect(pausedByReport('required dependency "presence" lost (owner presence-service is offline)')).toBeUndefined();
    const text = renderConsole(
      { system: 'home', busUrl: 'mqtt://x', services: [{ name: 'lighting-service', status: 'paused', owns: ['lighting'], waitsFor: ['presence'] }], domains: [], events: [], rejected: 0 },
      { color: false, width: 80 },
    );
    expect(text).toContain('lighting-service  ◐ paused');
    expect(text).toContain('1/1 services online');
  });
});
