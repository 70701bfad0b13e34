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
    const { pausedByReport } = await import('../../src/cli/run/process-tracker.js');
    const { renderConsole } = await import('../../src/cli/run/render-console.js');
    expect(pausedByReport('paused: update callbacks and publishes are held until every required dependency is back')).toBe(true);
    expect(pausedByReport('resumed')).toBe(false);
    expect(pausedByReport('required dependency "presence" lost (owner presence-service is offline)')).toBeUndefined();
    const text = renderConsole(
      { system: 'home', busUrl: 'mqtt://x', connection: { state: 'connected' }, services: [{ name: 'lighting-service', status: 'paused', owns: ['lighting'], waitsFor: ['presence'] }, { name: 'x-service', status: 'offline', owns: [], waitsFor: [] }], domains: [], events: [], rejected: 0 },
      { color: false, width: 80 },
    );
    expect(text).toContain('lighting-service  ◐ paused');
    expect(text).toContain('1/2 services online');
  });
});

describe('console observer: the same ordering as a service', () => {
  it('after a forged future epoch, the owner\'s online instance rules again; an older offline is not applied', async () => {
    const { observeSystem } = await import('../../src/cli/run/observe-system.js');
    const { createMemoryBroker, createMemoryBus, encodeEnvelope, encodeStatus } = await import('../../src/runtime/index.js');
    const { createTestSystem } = await import('../runtime/fixtures.js');
    const system = createTestSystem();
    const broker = createMemoryBroker();
    const bus = createMemoryBus(broker, { clientId: 'console' });
    await bus.connect();
    const observer = await observeSystem(bus, system);
    const raw = createMemoryBus(broker, { clientId: 'raw' });
    await raw.connect();
    const envelope = (epoch: number, seq: number, watts: number): Buffer =>
      encodeEnvelope({ domain: 'power', owner: 'power-service', version: 1, epoch, seq, time: 0, state: { watts, source: 'grid' } });
    const status = (s: 'online' | 'offline', epoch: number): Buffer => encodeStatus({ service: 'power-service', status: s, epoch, time: 0 });
    await raw.publish(`${system.prefix}/status/power-service`, status('online', 100), { retain: true });
    await raw.publish(`${system.prefix}/state/power`, envelope(100, 1, 1), { retain: true });
    await raw.publish(`${system.prefix}/state/power`, envelope(9_999_999, 1, 666), { retain: true });
    await raw.publish(`${system.prefix}/state/power`, envelope(100, 2, 2), { retain: true });
    await raw.publish(`${system.prefix}/status/power-service`, status('offline', 99), { retain: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(observer.domain('power')?.state).toEqual({ watts: 2, source: 'grid' });
    expect(observer.status('power-service')).toBe('online');
    await raw.close();
    await bus.close();
  });
});
