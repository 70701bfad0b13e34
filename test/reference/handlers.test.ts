/**
 * The reference smart home's handlers (handlers/*.ts), tested as a user tests their own:
 * the generated `system` and `services`, the real handlers, an in-memory bus, no broker.
 *
 * Each handler file default-exports a `define<Service>` factory: every instance (every test, a
 * restart, two at once) gets its own state (simulated sensors, the last published lighting),
 * so the modules are imported once, and nothing is reset between tests.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startServiceForTest, startSystemForTest } from 'chinook-ipc/runtime';
import { services, system, type Power, type Presence, type Tariff } from '../../generated/index.js';

const ROOMS = ['hall', 'kitchen', 'living', 'bedroom'] as const;

/** Presence with the given number of people per room (others empty). */
function presence(occupants: Partial<Record<(typeof ROOMS)[number], number>>): Presence {
  return { rooms: ROOMS.map((id) => ({ id, name: id, occupants: occupants[id] ?? 0, sensors: [] })) };
}

function power(gridImportW: number): Power {
  return { gridImportW, solarW: 0, battery: { percent: 50, charging: false }, meters: [] };
}

function tariff(band: 'cheap' | 'normal' | 'peak'): Tariff {
  const pricePerKWh = { cheap: 0.12, normal: 0.28, peak: 0.45 }[band];
  return {
    currentPricePerKWh: pricePerKWh,
    slots: [{ from: '2026-01-01T17:00:00.000Z', to: '2026-01-01T18:00:00.000Z', pricePerKWh, band }],
  };
}

const load = {
  climate: async () => (await import('../../handlers/climate-service.js')).default,
  energy: async () => (await import('../../handlers/energy-service.js')).default,
  lighting: async () => (await import('../../handlers/lighting-service.js')).default,
  presence: async () => (await import('../../handlers/presence-service.js')).default,
  security: async () => (await import('../../handlers/security-service.js')).default,
};

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  vi.useRealTimers();
});

describe('the whole home', () => {
  it('converges: every service sees every domain available, with lamps on exactly in occupied rooms', async () => {
    const t = await startSystemForTest(system, {
      'climate-service': { ...services['climate-service'], handler: await load.climate() },
      'energy-service': { ...services['energy-service'], handler: await load.energy() },
      'lighting-service': { ...services['lighting-service'], handler: await load.lighting() },
      'presence-service': { ...services['presence-service'], handler: await load.presence() },
      'security-service': { ...services['security-service'], handler: await load.security() },
    });
    stops.push(t.stop);

    await t.waitFor((s) => Object.values(s).every((i) => Object.values(i.availability()).every((a) => a === 'available')), {
      what: 'every domain available at every service',
    });
    for (const instance of Object.values(t.services)) {
      expect(instance.phase()).toBe('running');
      expect(Object.values(instance.peers()).filter((p) => p === 'online')).toHaveLength(5);
    }

    // Within lighting-service's own view, lighting always follows the presence it has applied.
    const view = t.services['lighting-service'].state;
    const occupied = new Set(view.presence!.rooms.filter((r) => r.occupants > 0).map((r) => r.id));
    expect(occupied.size).toBeGreaterThan(0);
    for (const lamp of view.lighting!.lamps) expect(lamp.on).toBe(occupied.has(lamp.room));

    expect(t.logs.filter((l) => l.event.type !== 'lifecycle')).toEqual([]);
    for (const instance of Object.values(t.services)) expect(instance.counters().rejected).toEqual({});
  });

  it('when presence-service crashes, services that require presence pause and climate (optional) runs on; a restart resumes them', async () => {
    const t = await startSystemForTest(system, {
      'climate-service': { ...services['climate-service'], handler: await load.climate() },
      'energy-service': { ...services['energy-service'], handler: await load.energy() },
      'lighting-service': { ...services['lighting-service'], handler: await load.lighting() },
      'presence-service': { ...services['presence-service'], handler: await load.presence() },
      'security-service': { ...services['security-service'], handler: await load.security() },
    });
    stops.push(t.stop);

    await t.crash('presence-service');
    await t.waitFor((s) => s['lighting-service'].phase() === 'paused' && s['security-service'].phase() === 'paused', {
      what: 'lighting and security paused',
    });
    expect(t.services['lighting-service'].status('presence').availability).toBe('stale');
    expect(t.services['climate-service'].status('presence').availability).toBe('stale');
    expect(t.services['climate-service'].phase()).toBe('running');

    await t.restart('presence-service');
    await t.waitFor((s) => s['lighting-service'].phase() === 'running' && s['security-service'].phase() === 'running', {
      what: 'lighting and security running again',
    });
    expect(t.services['lighting-service'].status('presence')).toMatchObject({ availability: 'available', epoch: t.services['presence-service'].epoch });
  });
});

describe('lighting-service', () => {
  it('turns lamps on in occupied rooms, dims them while the grid import is high, and follows people', async () => {
    const t = await startServiceForTest(system, 'lighting-service', services['lighting-service'].create, await load.lighting(), {
      seed: { presence: presence({ kitchen: 2 }) },
    });
    stops.push(t.stop);

    const lamps = () => t.service.state.lighting?.lamps.map((l) => `${l.id} ${l.on ? `on ${l.brightness}` : 'off'}`);
    expect(lamps()).toEqual(['hall-ceiling off', 'kitchen-spots on 100', 'living-floor off', 'living-ceiling off', 'bedroom-bedside off']);

    await t.publish('power', power(4000));
    await t.waitFor(() => lamps()?.[1] === 'kitchen-spots on 60', { what: 'kitchen dimmed' });

    await t.publish('presence', presence({ living: 1 }));
    await t.waitFor(() => lamps()?.[1] === 'kitchen-spots off', { what: 'kitchen off' });
    expect(lamps()).toEqual(['hall-ceiling off', 'kitchen-spots off', 'living-floor on 60', 'living-ceiling on 60', 'bedroom-bedside off']);
    // Colours come from the handler's lamp list, and pass the schema's pattern.
    expect(t.service.state.lighting?.lamps.find((l) => l.id === 'living-floor')?.color).toBe('#FFB36B');
  });

  it('two instances at once, from one handler module, each keep their own state', async () => {
    const handler = await load.lighting();
    const seed = { seed: { presence: presence({ kitchen: 1 }) } };
    // Each instance publishes its first lighting: one that remembered the other's last publish would not.
    const [a, b] = await Promise.all([
      startServiceForTest(system, 'lighting-service', services['lighting-service'].create, handler, seed),
      startServiceForTest(system, 'lighting-service', services['lighting-service'].create, handler, seed),
    ]);
    stops.push(a.stop, b.stop);
    const kitchen = (t: typeof a) => t.service.state.lighting?.lamps.find((l) => l.id === 'kitchen-spots')?.on;
    expect([kitchen(a), kitchen(b)]).toEqual([true, true]);
    // Only a's people move: b keeps its own view and lamps.
    await a.publish('presence', presence({ hall: 1 }));
    await a.waitFor(() => kitchen(a) === false, { what: "a's kitchen off" });
    await b.publish('presence', presence({ hall: 1 }));
    await b.waitFor(() => kitchen(b) === false, { what: "b's kitchen off, from its own publish" });
  });

  it('does not start without presence, and says so', async () => {
    await expect(
      startServiceForTest(system, 'lighting-service', services['lighting-service'].create, await load.lighting(), { dependencyTimeoutMs: 100 }),
    ).rejects.toThrow('"presence" (owned by presence-service, missing)');
  });
});

describe('climate-service', () => {
  const targets = (climate: { rooms: readonly { id: string; targetC: number }[] } | undefined) =>
    Object.fromEntries((climate?.rooms ?? []).map((r) => [r.id, r.targetC]));

  it('lowers targets at peak tariff and in empty rooms, and raises them when electricity is cheap', async () => {
    // The handler ticks on setInterval: fake only that, so the bus still runs on real time.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const t = await startServiceForTest(system, 'climate-service', services['climate-service'].create, await load.climate(), {
      seed: { power: power(1000), tariff: tariff('peak'), presence: presence({ living: 2 }) },
    });
    stops.push(t.stop);
    expect(targets(t.service.state.climate)).toEqual({ hall: 17, kitchen: 17, living: 19, bedroom: 17 });

    await t.publish('tariff', tariff('cheap'));
    await t.waitFor((s) => s['climate-service'].state.tariff?.slots[0]?.band === 'cheap', { what: 'cheap tariff applied' });
    vi.advanceTimersByTime(2000);
    await t.waitFor(() => targets(t.service.state.climate)['living'] === 22, { what: 'targets raised' });
    expect(targets(t.service.state.climate)).toEqual({ hall: 20, kitchen: 20, living: 22, bedroom: 20 });

    // Importing more than 5 kW from the grid holds back one more degree.
    await t.publish('power', power(6000));
    await t.waitFor((s) => s['climate-service'].state.power?.gridImportW === 6000, { what: 'high import applied' });
    vi.advanceTimersByTime(2000);
    await t.waitFor(() => targets(t.service.state.climate)['living'] === 21, { what: 'targets held back' });
  });

  it('runs without presence (optional): no room counts as empty', async () => {
    const t = await startServiceForTest(system, 'climate-service', services['climate-service'].create, await load.climate(), {
      seed: { power: power(1000), tariff: tariff('peak') },
    });
    stops.push(t.stop);
    expect(t.service.state.presence).toBeUndefined();
    expect(targets(t.service.state.climate)).toEqual({ hall: 19, kitchen: 19, living: 19, bedroom: 19 });
  });
});

describe('security-service', () => {
  it('arms itself (away) when the house is empty and disarms to home when someone comes in', async () => {
    const t = await startServiceForTest(system, 'security-service', services['security-service'].create, await load.security(), {
      seed: { presence: presence({}) },
    });
    stops.push(t.stop);
    expect(t.service.state.security?.armed).toBe('away');

    await t.publish('presence', presence({ hall: 1 }));
    await t.waitFor((s) => s['security-service'].state.security?.armed === 'home', { what: 'armed home' });
  });
});

describe('energy-service', () => {
  it('publishes a tariff whose current price is its first slot, and a power reading, with nothing to wait for', async () => {
    const t = await startServiceForTest(system, 'energy-service', services['energy-service'].create, await load.energy());
    stops.push(t.stop);
    const published = t.service.state.tariff!;
    expect(published.currentPricePerKWh).toBe(published.slots[0]?.pricePerKWh);
    expect(published.slots).toHaveLength(4);
    for (let i = 1; i < published.slots.length; i++) expect(published.slots[i]!.from).toBe(published.slots[i - 1]!.to);
    expect(t.service.state.power?.meters.map((m) => m.circuit)).toEqual(['base', 'heating', 'lighting']);
  });
});
