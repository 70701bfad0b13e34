/**
 * The unit-testing helpers (src/runtime/testing.ts) on the runtime's fixture system:
 * power-service → lighting-service (requires power); climate-service (optionally lighting).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ServiceStartError,
  StateInvalidError,
  createService,
  startServiceForTest,
  startSystemForTest,
  type RunOptions,
  type ServiceHandler,
  type ServiceInstance,
  type SystemSpec,
} from '../../src/runtime/index.js';
import { createTestSystem, type ClimateTypes, type LightingTypes, type PowerTypes } from './fixtures.js';

const system: SystemSpec = createTestSystem('testing');

// What generated code provides: one typed factory per service.
const createPowerService = (handler: ServiceHandler<PowerTypes>, options: RunOptions): ServiceInstance<PowerTypes> =>
  createService<PowerTypes>(system, 'power-service', handler, options);
const createLightingService = (handler: ServiceHandler<LightingTypes>, options: RunOptions): ServiceInstance<LightingTypes> =>
  createService<LightingTypes>(system, 'lighting-service', handler, options);
const createClimateService = (handler: ServiceHandler<ClimateTypes>, options: RunOptions): ServiceInstance<ClimateTypes> =>
  createService<ClimateTypes>(system, 'climate-service', handler, options);

const powerHandler = (watts = 500): ServiceHandler<PowerTypes> => ({
  async onStart(ctx) {
    await ctx.publish('power', { watts, source: 'grid' });
  },
});

/** Lamps are on while there is power: recomputed on every power update. */
const lightingHandler = (): ServiceHandler<LightingTypes> & { lost: string[] } => {
  const lost: string[] = [];
  return {
    lost,
    async onStart(ctx) {
      await ctx.publish('lighting', { lamps: [{ id: 'hall', on: ctx.state.power.watts > 0 }] });
    },
    onUpdate: {
      async power(power, ctx) {
        await ctx.publish('lighting', { lamps: [{ id: 'hall', on: power.watts > 0 }] });
      },
    },
    onDependencyLost(domain) {
      lost.push(domain);
    },
  };
};

const climateHandler: ServiceHandler<ClimateTypes> = {
  async onStart(ctx) {
    await ctx.publish('climate', { celsius: 20 });
  },
};

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  vi.restoreAllMocks();
});

describe('startSystemForTest', () => {
  it('starts a whole system that converges, with the runtime reports captured instead of printed', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const t = await startSystemForTest(system, {
      'power-service': { create: createPowerService, handler: powerHandler(42) },
      'lighting-service': { create: createLightingService, handler: lightingHandler() },
      'climate-service': { create: createClimateService, handler: climateHandler },
    });
    stops.push(t.stop);

    await t.waitFor((s) => Object.values(s).every((i) => Object.values(i.availability()).every((a) => a === 'available')), {
      what: 'every domain available everywhere',
    });
    for (const instance of Object.values(t.services)) {
      expect(instance.state).toEqual({ power: { watts: 42, source: 'grid' }, lighting: { lamps: [{ id: 'hall', on: true }] }, climate: { celsius: 20 } });
      expect(instance.phase()).toBe('running');
    }
    expect(t.services['lighting-service'].peers()).toEqual({ 'power-service': 'online', 'lighting-service': 'online', 'climate-service': 'online' });

    const started = t.logs.filter((l) => l.event.type === 'lifecycle' && l.event.message === 'started').map((l) => l.service);
    expect(started.sort()).toEqual(['climate-service', 'lighting-service', 'power-service']);
    expect(stderr.mock.calls.filter(([chunk]) => String(chunk).startsWith('chinook '))).toEqual([]);

    await t.stop();
    expect(Object.values(t.services).map((i) => i.phase())).toEqual(['stopped', 'stopped', 'stopped']);
  });

  it('crash fires the will: dependents see the domain stale and pause; a restart brings it back with a newer epoch', async () => {
    let powerStops = 0;
    const lighting = lightingHandler();
    const t = await startSystemForTest(system, {
      'power-service': {
        create: createPowerService,
        handler: {
          ...powerHandler(300),
          onStop() {
            powerStops++;
          },
        },
      },
      'lighting-service': { create: createLightingService, handler: lighting },
    });
    stops.push(t.stop);
    const firstEpoch = t.services['power-service'].epoch;

    await t.crash('power-service');
    await t.waitFor((s) => s['lighting-service'].status('power').availability === 'stale', { what: 'power stale at lighting' });
    expect(t.services['lighting-service'].peers()['power-service']).toBe('offline');
    expect(t.services['lighting-service'].state.power).toEqual({ watts: 300, source: 'grid' });
    expect(t.services['lighting-service'].phase()).toBe('paused');
    expect(lighting.lost).toEqual(['power']);
    // A killed process runs no onStop.
    expect(powerStops).toBe(0);

    const restarted = await t.restart('power-service', powerHandler(0));
    expect(t.services['power-service']).toBe(restarted);
    expect(restarted.epoch).toBeGreaterThan(firstEpoch);
    await t.waitFor((s) => s['lighting-service'].phase() === 'running' && s['lighting-service'].state.lighting?.lamps[0]?.on === false, {
      what: 'lighting running again, lamps off without power',
    });
    expect(t.services['lighting-service'].status('power')).toMatchObject({ availability: 'available', epoch: restarted.epoch });
  });

  it('stops what it started and names the missing domain when a required dependency has no provider', async () => {
    const attempt = startSystemForTest(system, { 'lighting-service': { create: createLightingService, handler: lightingHandler() } }, { dependencyTimeoutMs: 100 });
    await expect(attempt).rejects.toBeInstanceOf(ServiceStartError);
    await expect(attempt).rejects.toThrow(/required dependencies not available after 100 ms: "power" \(owned by power-service, missing\)/);
  });

  it('refuses a service the system does not have', async () => {
    await expect(startSystemForTest(system, { 'heating-service': { create: createClimateService, handler: climateHandler } })).rejects.toThrow(
      'unknown service "heating-service" in system "testing" (services: climate-service, lighting-service, power-service)',
    );
  });
});

describe('startServiceForTest', () => {
  it('runs one handler against seeded dependencies, published as their owner would', async () => {
    let seenAtStart: unknown;
    const handler = lightingHandler();
    const t = await startServiceForTest(system, 'lighting-service', createLightingService, {
      ...handler,
      async onStart(ctx) {
        seenAtStart = ctx.state.power;
        await handler.onStart!(ctx);
      },
    }, { seed: { power: { watts: 120, source: 'solar' } } });
    stops.push(t.stop);

    expect(seenAtStart).toEqual({ watts: 120, source: 'solar' });
    expect(t.service.state.lighting).toEqual({ lamps: [{ id: 'hall', on: true }] });
    expect(t.service.peers()['power-service']).toBe('online');
    expect(t.service.status('power')).toMatchObject({ availability: 'available', seq: 1 });
    expect(t.service.counters().rejected).toEqual({});

    // Later updates from the (simulated) owner reach the handler's onUpdate.
    await t.publish('power', { watts: 0, source: 'grid' });
    await t.waitFor((s) => s['lighting-service'].state.lighting?.lamps[0]?.on === false, { what: 'lamps off' });
    expect(t.service.status('power')).toMatchObject({ seq: 2 });
  });

  it('takes a factory of handlers: called once per instance (a restart gets a fresh one), each with its own state', async () => {
    const made: number[] = [];
    const factory = (): ServiceHandler<PowerTypes> => {
      // The instance's own state: what a module-level variable would share between instances.
      let published = 0;
      made.push(made.length + 1);
      return {
        async onStart(ctx) {
          published++;
          await ctx.publish('power', { watts: published, source: 'grid' });
        },
      };
    };
    const t = await startServiceForTest(system, 'power-service', createPowerService, factory);
    stops.push(t.stop);
    expect(t.service.state.power?.watts).toBe(1);
    await t.restart('power-service');
    expect(made).toEqual([1, 2]);
    // The restarted instance counted from its own zero.
    expect(t.service.state.power?.watts).toBe(1);
  });

  it('crashing a simulated owner fires its will: the service sees its dependency stale', async () => {
    const t = await startServiceForTest(system, 'lighting-service', createLightingService, lightingHandler(), {
      seed: { power: { watts: 1, source: 'grid' } },
    });
    stops.push(t.stop);
    await t.crash('power-service');
    await t.waitFor((s) => s['lighting-service'].phase() === 'paused', { what: 'lighting paused' });
    expect(t.service.availability()['power']).toBe('stale');
    await expect(t.publish('power', { watts: 2, source: 'grid' })).rejects.toThrow('cannot publish as power-service: it was crashed in this test');
  });

  it('checks what a test publishes: invalid states, domains of services under test, unknown domains', async () => {
    await expect(
      startServiceForTest(system, 'lighting-service', createLightingService, lightingHandler(), {
        seed: { power: { watts: -5, source: 'grid' } },
      }),
    ).rejects.toThrow(StateInvalidError);

    const t = await startServiceForTest(system, 'lighting-service', createLightingService, lightingHandler(), {
      seed: { power: { watts: 1, source: 'grid' } },
    });
    stops.push(t.stop);
    await expect(t.publish('lighting', { lamps: [] })).rejects.toThrow('cannot publish "lighting" from the test: its owner lighting-service runs in it');
    // @ts-expect-error: not a domain of the system
    await expect(t.publish('heating', {})).rejects.toThrow('unknown domain "heating"');
    // @ts-expect-error: the wrong shape for power
    await expect(t.publish('power', { watts: 'lots' })).rejects.toThrow(/state of "power" does not match its schema[\s\S]*\/watts: must be number/);
  });

  it('publishRaw puts bytes on the bus; the runtime rejects them and the report lands in logs', async () => {
    const t = await startServiceForTest(system, 'lighting-service', createLightingService, lightingHandler(), {
      seed: { power: { watts: 1, source: 'grid' } },
    });
    stops.push(t.stop);
    await t.publishRaw(`${system.prefix}/state/power`, 'not json');
    await t.waitFor((s) => s['lighting-service'].counters().rejected['not-json'] === 1, { what: 'the rejection' });
    expect(t.logs.filter((l) => l.event.type === 'rejected')).toEqual([
      { service: 'lighting-service', event: expect.objectContaining({ type: 'rejected', reason: 'not-json', topic: `${system.prefix}/state/power` }) as unknown },
    ]);
    expect(t.service.state.power).toEqual({ watts: 1, source: 'grid' });
  });

  it('lets a seeded state of its own domain stand for an earlier instance: the new one publishes above it', async () => {
    // A receiver that holds the earlier instance's state must take the new instance's
    // publish over it, whatever the ordering rule, even when the earlier instance's clock
    // was a minute ahead (the harness reads the clock first, for the seed; the services
    // later), so nothing but the rule itself can put the new one above.
    const earlier = 1_700_000_060_000;
    let reads = 0;
    const now = (): number => (reads++ === 0 ? earlier : earlier - 60_000);
    const t = await startSystemForTest(
      system,
      { 'power-service': { create: createPowerService, handler: powerHandler(7) }, 'lighting-service': { create: createLightingService, handler: lightingHandler() } },
      { seed: { power: { watts: 9000, source: 'solar' } }, now },
    );
    stops.push(t.stop);
    await t.waitFor((s) => s['lighting-service'].state.power?.watts === 7, { timeoutMs: 5_000, what: "lighting-service taking the new instance's power" });
    expect(t.services['power-service'].state.power).toEqual({ watts: 7, source: 'grid' });
    expect(t.services['lighting-service'].state.power).toEqual({ watts: 7, source: 'grid' });
    expect(t.services['power-service'].counters().rejected).toEqual({});
    expect(t.services['lighting-service'].counters().rejected).toEqual({});
    expect(reads).toBeGreaterThan(1);
  });
});

describe('waitFor', () => {
  it('rejects after its timeout with what it waited for, the services, and the last predicate error', async () => {
    const t = await startServiceForTest(system, 'lighting-service', createLightingService, lightingHandler(), {
      seed: { power: { watts: 1, source: 'grid' } },
    });
    stops.push(t.stop);
    await expect(t.waitFor(() => false, { timeoutMs: 50, what: 'a state that never comes' })).rejects.toThrow(
      'waitFor timed out after 50 ms waiting for a state that never comes\nservices:\n  lighting-service: running (climate missing)',
    );
    await expect(
      t.waitFor(
        (s) => {
          if (s['lighting-service'].state.climate === undefined) throw new Error('no climate yet');
          return true;
        },
        { timeoutMs: 50 },
      ),
    ).rejects.toThrow('waitFor timed out after 50 ms\nthe predicate last threw: no climate yet');
  });

  it('quotes handler errors in the timeout message', async () => {
    const t = await startServiceForTest(
      system,
      'lighting-service',
      createLightingService,
      {
        onUpdate: {
          power() {
            throw new Error('boom in power update');
          },
        },
      },
      { seed: { power: { watts: 1, source: 'grid' } } },
    );
    stops.push(t.stop);
    await t.publish('power', { watts: 2, source: 'grid' });
    await expect(t.waitFor((s) => s['lighting-service'].state.lighting !== undefined, { timeoutMs: 100 })).rejects.toThrow(
      /recent reports:\n {2}lighting-service: onUpdate\.power failed: boom in power update/,
    );
  });
});
