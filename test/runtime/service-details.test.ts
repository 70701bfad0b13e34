/**
 * Runtime details that need a controlled clock or precise interleaving: the rate limit
 * of rejection reports, held updates while paused, stopping while waiting. In-memory bus.
 */
import { describe, expect, it } from 'vitest';
import {
  ServiceStartError,
  createMemoryBroker,
  createMemoryBus,
  createService,
  type Bus,
  type BusMessage,
  type RuntimeLogEvent,
  type ServiceContext,
} from '../../src/runtime/index.js';
import { createTestSystem, waitFor, type LightingTypes, type PowerTypes } from './fixtures.js';

async function startPower(broker: ReturnType<typeof createMemoryBroker>, system = createTestSystem()) {
  let ctx: ServiceContext<PowerTypes> | undefined;
  let bus: Bus | undefined;
  const instance = createService<PowerTypes>(system, 'power-service', { onStart: (c) => void (ctx = c) }, {
    bus: (o) => (bus = createMemoryBus(broker, o)),
    log: () => {},
  });
  await instance.start();
  await ctx!.publish('power', { watts: 1, source: 'grid' });
  return { instance, ctx: ctx!, bus: () => bus! };
}

/** The bus, except that messages `drop` picks never reach the service (a broker dropping them under load). */
function dropping(bus: Bus, drop: (message: BusMessage) => boolean): Bus {
  return { ...bus, onMessage: (listener) => bus.onMessage((m) => (drop(m) ? undefined : listener(m))) };
}

/** Every message on the system's topics, from a raw client. */
async function record(broker: ReturnType<typeof createMemoryBroker>, prefix: string): Promise<{ messages: BusMessage[]; close: () => Promise<void> }> {
  const raw = createMemoryBus(broker, { clientId: `rec-${Math.random()}` });
  const messages: BusMessage[] = [];
  raw.onMessage((m) => messages.push(m));
  await raw.connect();
  await raw.subscribe(`${prefix}/#`);
  return { messages, close: () => raw.close() };
}

const summary = (m: BusMessage): string => {
  const body = JSON.parse(m.payload.toString()) as { status?: string; state?: { watts?: number } };
  return body.status ?? `watts ${body.state?.watts}`;
};

describe('runtime lifecycle decisions (docs/protocol.md "Lifecycle")', () => {
  it('onStart throws: reported, the service stops, start() rejects naming it, done says start-failed, offline goes out', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    const events: RuntimeLogEvent[] = [];
    let stopped = 0;
    const power = createService<PowerTypes>(system, 'power-service', {
      onStart: () => {
        throw new Error('wrong-shaped first state');
      },
      onStop: () => void stopped++,
    }, { bus: (o) => createMemoryBus(broker, o), log: (e) => events.push(e) });
    await expect(power.start()).rejects.toMatchObject({ name: 'ServiceStartError', message: 'power-service: onStart failed: wrong-shaped first state' });
    expect(await power.done).toEqual({ type: 'start-failed', message: 'wrong-shaped first state' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'handler-error', callback: 'onStart' }));
    expect(stopped).toBe(1);
    const rec = await record(broker, system.prefix);
    await waitFor(() => rec.messages.length > 0, 'retained status');
    expect(rec.messages.map(summary)).toEqual(['offline']);
    await rec.close();
  });

  it('onStop may publish a final state: it goes out before offline; after onStop, publish is refused', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    const rec = await record(broker, system.prefix);
    let ctx: ServiceContext<PowerTypes> | undefined;
    const power = createService<PowerTypes>(system, 'power-service', {
      onStart: async (c) => {
        ctx = c;
        await c.publish('power', { watts: 1, source: 'grid' });
      },
      onStop: (c) => c.publish('power', { watts: 0, source: 'grid' }),
    }, { bus: (o) => createMemoryBus(broker, o), log: () => {} });
    await power.start();
    await power.stop();
    await waitFor(() => rec.messages.filter((m) => m.topic.endsWith('/status/power-service')).length === 2, 'offline');
    expect(rec.messages.map(summary)).toEqual(['online', 'watts 1', 'watts 0', 'offline']);
    await expect(ctx!.publish('power', { watts: 5, source: 'grid' })).rejects.toMatchObject({ code: 'stopped' });
    await rec.close();
  });

  it('paused: publishes are held (the latest goes out on resume) except from onDependencyLost, and the report says paused and resumed', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    const power = await startPower(broker, system);
    const rec = await record(broker, system.prefix);
    const events: RuntimeLogEvent[] = [];
    let ctx: ServiceContext<LightingTypes> | undefined;
    const lighting = createService<LightingTypes>(system, 'lighting-service', {
      onStart: (c) => void (ctx = c),
      // The handler told of the loss reports it at once: that publish is not held.
      onDependencyLost: async (_domain, c) => {
        await new Promise((r) => setTimeout(r, 1));
        await c.publish('lighting', { lamps: [] });
      },
    }, {
      bus: (o) => createMemoryBus(broker, o),
      log: (e) => events.push(e),
    });
    await lighting.start();
    await power.bus().close({ abrupt: true });
    await waitFor(() => lighting.phase() === 'paused', 'paused');
    await waitFor(() => rec.messages.some((m) => m.topic.endsWith('/state/lighting')), 'the degraded state sent at once');
    rec.messages.length = 0;
    await ctx!.publish('lighting', { lamps: [{ id: 'a', on: true }] });
    await ctx!.publish('lighting', { lamps: [{ id: 'b', on: true }] });
    await new Promise((r) => setTimeout(r, 20));
    expect(rec.messages.filter((m) => m.topic.endsWith('/state/lighting'))).toEqual([]);
    // The owner comes back.
    await startPower(broker, system);
    await waitFor(() => lighting.phase() === 'running', 'running again');
    await waitFor(() => rec.messages.some((m) => m.topic.endsWith('/state/lighting')), 'the held state published');
    const sent = rec.messages.filter((m) => m.topic.endsWith('/state/lighting')).map((m) => JSON.parse(m.payload.toString()) as { state: unknown });
    expect(sent.map((e) => e.state)).toEqual([{ lamps: [{ id: 'b', on: true }] }]);
    const lines = events.filter((e) => e.type === 'lifecycle').map((e) => (e.type === 'lifecycle' ? e.message : ''));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^paused: /), 'resumed']));
    await lighting.stop();
    await rec.close();
  });
});

/** lighting-service, whose bus loses power-service's live `online` while `drop.online` is set. */
async function startLightingLosingOnline(broker: ReturnType<typeof createMemoryBroker>, system: ReturnType<typeof createTestSystem>) {
  const drop = { online: false };
  const lighting = createService<LightingTypes>(system, 'lighting-service', {}, {
    bus: (o) => dropping(createMemoryBus(broker, o), (m) => drop.online && !m.retained && m.topic.endsWith('/status/power-service') && m.payload.includes('"online"')),
    log: () => {},
  });
  await lighting.start();
  return { lighting, drop };
}

/** A restarted power-service that publishes watts 2 in onStart and says `online` again every 100 ms. */
async function restartPower(broker: ReturnType<typeof createMemoryBroker>, system: ReturnType<typeof createTestSystem>) {
  const restarted = createService<PowerTypes>(system, 'power-service', { onStart: (c) => c.publish('power', { watts: 2, source: 'grid' }) }, {
    bus: (o) => createMemoryBus(broker, o),
    log: () => {},
    statusRefreshMs: 100,
  });
  await restarted.start();
  return restarted;
}

describe('handler ergonomics (issue 10, item 5)', () => {
  it('a service whose own stop has begun is not told a dependency was lost (Ctrl-C stops the whole system)', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    const power = await startPower(broker, system);
    const events: RuntimeLogEvent[] = [];
    let lost = 0;
    let releaseStop!: () => void;
    const lighting = createService<LightingTypes>(system, 'lighting-service', {
      onDependencyLost: async (_domain, c) => {
        lost++;
        await c.publish('lighting', { lamps: [] });
      },
      // Still stopping when its dependency goes offline.
      onStop: () => new Promise<void>((resolve) => (releaseStop = resolve)),
    }, { bus: (o) => createMemoryBus(broker, o), log: (e) => events.push(e) });
    await lighting.start();
    const stopping = lighting.stop();
    await power.instance.stop();
    await waitFor(() => lighting.peers()['power-service'] === 'offline', 'power-service offline, as lighting sees it');
    releaseStop();
    await stopping;
    // While it closes, too (no onStop left to hold it): the owner's offline arrives then.
    expect(lost).toBe(0);
    expect(events.filter((e) => e.type === 'handler-error')).toEqual([]);
  });

  it('ctx.every runs while the service runs, not while paused, stops with it, and reports a failed run', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    const power = await startPower(broker, system);
    const events: RuntimeLogEvent[] = [];
    let runs = 0;
    const lighting = createService<LightingTypes>(system, 'lighting-service', {
      onStart: (c) => {
        c.every(5, async () => {
          runs++;
          // Invalid: rejects with StateInvalidError, which is reported, not unhandled.
          await c.publish('lighting', { lamps: [{ id: 'x', on: 'yes' }] } as never);
        });
      },
    }, { bus: (o) => createMemoryBus(broker, o), log: (e) => events.push(e) });
    await lighting.start();
    await waitFor(() => runs >= 3, 'three runs');
    expect(events).toContainEqual(expect.objectContaining({ type: 'handler-error', callback: 'every(5 ms)', error: expect.objectContaining({ name: 'StateInvalidError' }) }));
    await power.bus().close({ abrupt: true });
    await waitFor(() => lighting.phase() === 'paused', 'paused');
    const whilePaused = runs;
    await new Promise((r) => setTimeout(r, 40));
    expect(runs).toBe(whilePaused);
    await startPower(broker, system);
    await waitFor(() => runs > whilePaused + 1, 'runs again once resumed');
    await lighting.stop();
    const afterStop = runs;
    await new Promise((r) => setTimeout(r, 40));
    expect(runs).toBe(afterStop);
  });

  it('a published object changed afterwards changes neither ctx.state nor what was sent', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    const power = await startPower(broker, system);
    const state = { watts: 7, source: 'grid' as const };
    await power.ctx.publish('power', state);
    state.watts = 99;
    expect(power.instance.state.power).toEqual({ watts: 7, source: 'grid' });
    expect(power.ctx.state.power?.watts).toBe(7);
    await power.instance.stop();
  });
});

describe('runtime details', () => {
  it('a lost online is repaired: the view of who is online converges without a restart', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    const power = await startPower(broker, system);
    const { lighting, drop } = await startLightingLosingOnline(broker, system);
    await power.bus().close({ abrupt: true });
    await waitFor(() => lighting.phase() === 'paused', 'paused');
    // The restarted owner's `online` never reaches lighting, once.
    drop.online = true;
    const restarted = await restartPower(broker, system);
    await waitFor(() => lighting.state.power?.watts === 2, 'the new state applied');
    expect(lighting.peers()['power-service']).toBe('offline');
    drop.online = false;
    await waitFor(() => lighting.peers()['power-service'] === 'online' && lighting.phase() === 'running', 'online again by the refresh', 5_000);
    await lighting.stop();
    await restarted.stop();
  });

  it('a lost online of an owner restarted with its clock behind: its state is applied at the refresh, without a new publish', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    let ahead: ServiceContext<PowerTypes> | undefined;
    let aheadBus: Bus | undefined;
    const first = createService<PowerTypes>(system, 'power-service', { onStart: (c) => void (ahead = c) }, {
      bus: (o) => (aheadBus = createMemoryBus(broker, o)),
      log: () => {},
      now: () => Date.now() + 3_600_000,
    });
    await first.start();
    await ahead!.publish('power', { watts: 1, source: 'grid' });
    const { lighting, drop } = await startLightingLosingOnline(broker, system);
    await aheadBus!.close({ abrupt: true });
    await waitFor(() => lighting.phase() === 'paused', 'paused');
    drop.online = true;
    const restarted = await restartPower(broker, system);
    await waitFor(() => (lighting.counters().rejected.stale ?? 0) === 1, 'its envelope looked stale');
    drop.online = false;
    await waitFor(() => lighting.state.power?.watts === 2 && lighting.phase() === 'running', 'applied at the refresh', 5_000);
    await lighting.stop();
    await restarted.stop();
  });

  it('a 10,000-deep JSON array is a counted, rate-limited rejection, not an internal error', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    await startPower(broker, system);
    const events: RuntimeLogEvent[] = [];
    const lighting = createService<LightingTypes>(system, 'lighting-service', {}, { bus: (o) => createMemoryBus(broker, o), log: (e) => events.push(e) });
    await lighting.start();
    const raw = createMemoryBus(broker, { clientId: 'raw' });
    await raw.connect();
    const deep = Buffer.from('['.repeat(10_000) + ']'.repeat(10_000));
    for (let i = 0; i < 3; i++) {
      await raw.publish(`${system.prefix}/state/power`, deep, { retain: false });
      await raw.publish(`${system.prefix}/status/power-service`, deep, { retain: false });
    }
    await waitFor(() => (lighting.counters().rejected['malformed-envelope'] ?? 0) === 6, '6 rejections counted');
    expect(events.filter((e) => e.type === 'lifecycle' && e.message.includes('internal error'))).toEqual([]);
    expect(events.filter((e) => e.type === 'rejected')).toHaveLength(2);
    expect(lighting.phase()).toBe('running');
    await lighting.stop();
    await raw.close();
  });

  it('reports a rejection once per (reason, domain), then at most once per interval with the count since', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    await startPower(broker, system);
    let clock = 1_000_000;
    const events: RuntimeLogEvent[] = [];
    const lighting = createService<LightingTypes>(system, 'lighting-service', {}, {
      bus: (o) => createMemoryBus(broker, o),
      log: (e) => events.push(e),
      now: () => clock,
      reportIntervalMs: 10_000,
    });
    await lighting.start();
    const raw = createMemoryBus(broker, { clientId: 'raw' });
    await raw.connect();
    const send = async (topic: string, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await raw.publish(`${system.prefix}/state/${topic}`, Buffer.from('garbage'), { retain: false });
    };
    const rejected = (): RuntimeLogEvent[] => events.filter((e) => e.type === 'rejected');
    const notJson = (): number => lighting.counters().rejected['not-json'] ?? 0;

    await send('power', 5);
    await waitFor(() => notJson() === 5, '5 counted');
    expect(rejected()).toMatchObject([{ reason: 'not-json', domain: 'power', count: 1 }]);
    await send('lighting', 1); // another domain: its own first report
    await waitFor(() => notJson() === 6, '6 counted');
    expect(rejected()).toHaveLength(2);

    clock += 10_000;
    await send('power', 1);
    await waitFor(() => notJson() === 7, '7 counted');
    // 4 suppressed + this one.
    expect(rejected()[2]).toMatchObject({ reason: 'not-json', domain: 'power', count: 5 });
    await lighting.stop();
    await raw.close();
  });

  it('pause: holds update callbacks while a required dependency is lost, then delivers the latest once', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    const power = await startPower(broker, system);
    const seen: number[] = [];
    const lighting = createService<LightingTypes>(system, 'lighting-service', { onUpdate: { power: (s) => void seen.push(s.watts) } }, {
      bus: (o) => createMemoryBus(broker, o),
      log: () => {},
    });
    await lighting.start();
    await power.bus().close({ abrupt: true });
    await waitFor(() => lighting.phase() === 'paused', 'paused');

    // A real restarted owner says `online` before it publishes; speak the protocol by hand
    // to get envelopes applied while the owner is still offline, i.e. while paused.
    const raw = createMemoryBus(broker, { clientId: 'raw' });
    await raw.connect();
    const envelope = (seq: number, watts: number): Buffer =>
      Buffer.from(JSON.stringify({ protocol: 'chinook/1', domain: 'power', owner: 'power-service', version: 1, epoch: power.instance.epoch + 1, seq, time: new Date().toISOString(), state: { watts, source: 'grid' } }));
    await raw.publish(`${system.prefix}/state/power`, envelope(1, 10), { retain: true });
    await raw.publish(`${system.prefix}/state/power`, envelope(2, 20), { retain: true });
    await waitFor(() => lighting.status('power').seq === 2, 'both applied');
    expect(lighting.status('power').availability).toBe('stale');
    expect(seen).toEqual([]);

    const online = { protocol: 'chinook/1', service: 'power-service', status: 'online', epoch: power.instance.epoch + 1, time: new Date().toISOString() };
    await raw.publish(`${system.prefix}/status/power-service`, Buffer.from(JSON.stringify(online)), { retain: true });
    await waitFor(() => lighting.phase() === 'running', 'running again');
    await waitFor(() => seen.length > 0, 'held update');
    expect(seen).toEqual([20]);
    await lighting.stop();
    await raw.close();
  });

  it('stop while waiting for dependencies: start rejects, done says stopped, offline is published', async () => {
    const broker = createMemoryBroker();
    const system = createTestSystem();
    const lighting = createService<LightingTypes>(system, 'lighting-service', {}, { bus: (o) => createMemoryBus(broker, o), log: () => {}, dependencyTimeoutMs: 0 });
    const starting = lighting.start();
    await waitFor(() => lighting.phase() === 'waiting', 'waiting');
    await lighting.stop();
    await expect(starting).rejects.toBeInstanceOf(ServiceStartError);
    expect(await lighting.done).toEqual({ type: 'stopped' });
    const raw = createMemoryBus(broker, { clientId: 'raw' });
    const got: string[] = [];
    raw.onMessage((m) => got.push(m.payload.toString()));
    await raw.connect();
    await raw.subscribe(`${system.prefix}/status/+`);
    await waitFor(() => got.length === 1, 'retained status');
    expect(JSON.parse(got[0]!)).toMatchObject({ service: 'lighting-service', status: 'offline' });
    await raw.close();
  });

  it('an unreachable bus: start rejects with a ServiceStartError, done says bus-unreachable', async () => {
    const failing: Bus = {
      kind: 'broken',
      connect: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')),
      publish: () => Promise.reject(new Error('closed')),
      subscribe: () => Promise.reject(new Error('closed')),
      onMessage: () => () => {},
      onEvent: () => () => {},
      close: () => Promise.resolve(),
    };
    const power = createService<PowerTypes>(createTestSystem(), 'power-service', {}, { bus: failing, log: () => {} });
    await expect(power.start()).rejects.toThrow(/unreachable: connect ECONNREFUSED/);
    expect(await power.done).toMatchObject({ type: 'bus-unreachable' });
  });

  it('refuses an unknown service name with a message listing the services', () => {
    expect(() => createService(createTestSystem(), 'nope', {}, { bus: (o) => createMemoryBus(createMemoryBroker(), o) })).toThrow(
      /unknown service "nope".*climate-service, lighting-service, power-service/,
    );
  });
});
