/**
 * The quick subset of the chaos suite (`npm run chaos` runs all of it, longer, on every
 * bus, and writes docs/reliability.md). Each scenario must end with every observer's copy
 * equal to its owner's last state, no forged state ever applied, and who is online true.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeIfBinary } from '../support/brokers.js';
import { startChaosBus, type ChaosBus, type ChaosBusKind } from './buses.js';
import { brokerRestart, forged, garbageFlood, killOwner, ownerRestart, restartThenKill, type ScenarioResult } from './scenarios.js';

const HANG = 60_000;

function expectClean(result: ScenarioResult | readonly ScenarioResult[]): void {
  for (const r of [result].flat()) {
    expect(r.statesLost, `${r.scenario} on ${r.bus}`).toBe(0);
    expect(r.forgedApplied, `${r.scenario} on ${r.bus}`).toBe(0);
  }
}

function onBus(kind: ChaosBusKind, body: (bus: () => ChaosBus) => void): void {
  let bus: ChaosBus | undefined;
  beforeAll(async () => {
    bus = await startChaosBus(kind);
  });
  afterAll(async () => {
    await bus?.close();
  });
  body(() => bus!);
}

describe('chaos (quick): embedded aedes', () => {
  onBus('aedes', (bus) => {
    it('a garbage flood applies nothing and leaves nothing stuck', async () => expectClean(await garbageFlood(bus(), 1_000, { timeoutMs: HANG })), HANG * 2);
    it.each(['future epoch', 'max seq', 'stale offline', 'offline of the live instance'] as const)('a forged %s does not freeze the domain or the status', async (forgery) => {
      expectClean(await forged(bus(), forgery, { timeoutMs: HANG }));
    }, HANG * 2);
    it('an owner restart is current everywhere', async () => expectClean(await ownerRestart(bus(), { timeoutMs: HANG })), HANG * 2);
    it('a broker restart converges and a late joiner gets everything', async () => expectClean(await brokerRestart(bus(), { timeoutMs: HANG })), HANG * 2);
  });
});

describeIfBinary('mosquitto', 'chaos (quick): mosquitto', () => {
  onBus('mosquitto', (bus) => {
    it('a forged future epoch does not freeze the domain', async () => expectClean(await forged(bus(), 'future epoch', { timeoutMs: HANG })), HANG * 2);
    it('kill -9 of an owner is seen, and its restart recovers', async () => expectClean(await killOwner(bus(), { timeoutMs: HANG })), HANG * 3);
  });
});

describeIfBinary('redis-server', 'chaos (quick): redis', () => {
  onBus('redis', (bus) => {
    it('after a Redis restart, a kill -9 is still noticed', async () => expectClean(await restartThenKill(bus(), { timeoutMs: HANG })), HANG * 3);
  });
});
