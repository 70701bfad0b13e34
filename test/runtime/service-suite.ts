/**
 * Runtime behaviour over a real bus, one suite for every bus (service.test.ts runs it on
 * the in-memory bus, the embedded aedes broker and, when installed, mosquitto).
 * Each test uses a system name of its own, so retained messages never leak between tests.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  PublishRefusedError,
  ServiceStartError,
  StateInvalidError,
  createService,
  encodeEnvelope,
  encodeStatus,
  type Bus,
  type BusMessage,
  type BusOptions,
  type RunOptions,
  type RuntimeLogEvent,
  type ServiceContext,
  type ServiceHandler,
  type ServiceInstance,
  type ServiceTypes,
  type SystemSpec,
} from '../../src/runtime/index.js';
import { createTestSystem, waitFor, type ClimateTypes, type LightingTypes, type PowerTypes } from './fixtures.js';

export interface RuntimeTarget {
  createBus(options: BusOptions): Bus;
  restartServer(): Promise<void>;
  stop(): Promise<void>;
}

interface Running<T extends ServiceTypes> {
  readonly instance: ServiceInstance<T>;
  /** The bus the runtime built (through the factory), to simulate a crash. */
  readonly bus: () => Bus;
  readonly events: RuntimeLogEvent[];
  /** The context handed to onStart. */
  readonly ctx: () => ServiceContext<T>;
}

const parse = (m: BusMessage): Record<string, unknown> => JSON.parse(m.payload.toString('utf8')) as Record<string, unknown>;

export function defineServiceBehaviour(start: () => Promise<RuntimeTarget>): void {
  let target: RuntimeTarget;
  const run = randomBytes(3).toString('hex');
  let counter = 0;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    target = await start();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  afterAll(async () => {
    await target.stop();
  });

  const newSystem = (): SystemSpec => createTestSystem(`rt-${run}-${counter++}`);

  const busOptions = (options: BusOptions): BusOptions => ({ ...options, keepaliveSeconds: 2, reconnectPeriodMs: 100 });

  /** A raw client on the system's topics, recording everything. */
  const observe = async (system: SystemSpec): Promise<{ bus: Bus; messages: BusMessage[]; last: (topic: string) => Record<string, unknown> | undefined }> => {
    const bus = target.createBus(busOptions({ clientId: `raw-${run}-${counter++}` }));
    const messages: BusMessage[] = [];
    bus.onMessage((m) => messages.push(m));
    await bus.connect();
    await bus.subscribe(`${system.prefix}/#`);
    cleanups.push(() => bus.close());
    const last = (topic: string): Record<string, unknown> | undefined => {
      const found = messages.filter((m) => m.topic === topic).at(-1);
      if (found === undefined) return undefined;
      try {
        return parse(found);
      } catch {
        return { garbage: found.payload.toString('utf8') };
      }
    };
    return { bus, messages, last };
  };

  const launch = <T extends ServiceTypes>(
    system: SystemSpec,
    service: string,
    handler: ServiceHandler<T>,
    options: Partial<RunOptions> = {},
  ): Running<T> => {
    const events: RuntimeLogEvent[] = [];
    let bus: Bus | undefined;
    let ctx: ServiceContext<T> | undefined;
    const instance = createService<T>(
      system,
      service,
      {
        ...handler,
        onStart: async (c) => {
          ctx = c;
          await handler.onStart?.(c);
        },
      },
      {
        bus: (options) => (bus = target.createBus(busOptions(options))),
        dependencyTimeoutMs: 10_000,
        log: (e) => events.push(e),
        ...options,
      },
    );
    cleanups.push(() => instance.stop());
    return {
      instance,
      events,
      bus: () => bus!,
      ctx: () => {
        if (ctx === undefined) throw new Error(`${service} has not started`);
        return ctx;
      },
    };
  };

  const startPower = async (system: SystemSpec, handler: ServiceHandler<PowerTypes> = {}, watts = 100): Promise<Running<PowerTypes>> => {
    const power = launch<PowerTypes>(system, 'power-service', handler);
    await power.instance.start();
    await power.ctx().publish('power', { watts, source: 'grid' });
    return power;
  };

  it('puts envelopes and status messages on the bus exactly as PROTOCOL.md', async () => {
    const system = newSystem();
    const raw = await observe(system);
    const power = await startPower(system, {}, 1200);
    await waitFor(() => raw.last(`${system.prefix}/state/power`) !== undefined, 'the power envelope');

    const status = raw.messages.find((m) => m.topic === `${system.prefix}/status/power-service`)!;
    expect(Object.keys(parse(status))).toEqual(['protocol', 'service', 'status', 'epoch', 'time']);
    expect(parse(status)).toMatchObject({ protocol: 'chinook/1', service: 'power-service', status: 'online', epoch: power.instance.epoch });

    const envelope = raw.last(`${system.prefix}/state/power`)!;
    expect(Object.keys(envelope)).toEqual(['protocol', 'domain', 'owner', 'version', 'epoch', 'seq', 'time', 'state']);
    expect(envelope).toEqual({
      protocol: 'chinook/1',
      domain: 'power',
      owner: 'power-service',
      version: 1,
      epoch: power.instance.epoch,
      seq: 1,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
      state: { watts: 1200, source: 'grid' },
    });
    expect(power.instance.epoch).toBeGreaterThan(Date.parse('2020-01-01'));

    await power.ctx().publish('power', { watts: 1300, source: 'solar' });
    await waitFor(() => raw.last(`${system.prefix}/state/power`)?.['seq'] === 2, 'seq 2');
    expect(raw.last(`${system.prefix}/state/power`)).toMatchObject({ epoch: power.instance.epoch, state: { watts: 1300 } });
  });

  it('gives a late joiner the retained state before its first handler call, and everyone converges', async () => {
    const system = newSystem();
    await startPower(system, {}, 42);
    const lighting = launch<LightingTypes>(system, 'lighting-service', {
      onStart: async (ctx) => {
        await ctx.publish('lighting', { lamps: [{ id: 'hall', on: ctx.state.power.watts > 0 }] });
      },
    });
    await lighting.instance.start();
    // climate requires nothing: only the retained-state sync puts lighting there before onStart.
    let seenAtStart: unknown;
    const climate = launch<ClimateTypes>(system, 'climate-service', {
      onStart: async (ctx) => {
        seenAtStart = { power: ctx.state.power, lighting: ctx.state.lighting };
        await ctx.publish('climate', { celsius: 21 });
      },
    });
    await climate.instance.start();
    expect(seenAtStart).toEqual({ power: { watts: 42, source: 'grid' }, lighting: { lamps: [{ id: 'hall', on: true }] } });

    const everyone = [lighting.instance, climate.instance];
    await waitFor(() => everyone.every((s) => Object.values(s.availability()).every((a) => a === 'available')), 'all domains available everywhere');
    for (const s of everyone) {
      expect(s.state).toEqual({ power: { watts: 42, source: 'grid' }, lighting: { lamps: [{ id: 'hall', on: true }] }, climate: { celsius: 21 } });
      expect(s.peers()).toEqual({ 'power-service': 'online', 'lighting-service': 'online', 'climate-service': 'online' });
    }
  });

  it('publishes nothing but its status until its required dependency is available', async () => {
    const system = newSystem();
    const raw = await observe(system);
    let started = 0;
    const lighting = launch<LightingTypes>(system, 'lighting-service', {
      onStart: async (ctx) => {
        started++;
        await ctx.publish('lighting', { lamps: [] });
      },
    });
    const starting = lighting.instance.start();
    await waitFor(() => lighting.instance.phase() === 'waiting', 'lighting waiting');
    await new Promise((r) => setTimeout(r, 200));
    expect(started).toBe(0);
    expect(raw.messages.map((m) => m.topic)).toEqual([`${system.prefix}/status/lighting-service`]);
    expect(lighting.instance.availability()['power']).toBe('missing');

    await startPower(system);
    await starting;
    expect(started).toBe(1);
    await waitFor(() => raw.last(`${system.prefix}/state/lighting`) !== undefined, 'the lighting envelope');
    const topics = raw.messages.map((m) => m.topic);
    expect(topics.indexOf(`${system.prefix}/state/power`)).toBeLessThan(topics.indexOf(`${system.prefix}/state/lighting`));
  });

  it('rejects start naming the missing domain when the dependency never comes, and goes offline', async () => {
    const system = newSystem();
    const raw = await observe(system);
    const lighting = launch<LightingTypes>(system, 'lighting-service', {}, { dependencyTimeoutMs: 300 });
    const error = await lighting.instance.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceStartError);
    expect((error as Error).message).toMatch(/"power" \(owned by power-service, missing\)/);
    expect(await lighting.instance.done).toEqual({ type: 'dependency-timeout', missing: ['power'] });
    await waitFor(() => raw.last(`${system.prefix}/status/lighting-service`)?.['status'] === 'offline', 'offline status');
    expect(raw.messages.some((m) => m.topic.includes('/state/'))).toBe(false);
  });

  it('drops, counts and reports every kind of garbage, applies none of it, and stays up', async () => {
    const system = newSystem();
    // power's owner is played by hand here: a real one would re-assert its state on the
    // garbage sent on its topic (tested on its own below).
    const raw = await observe(system);
    const epoch = Date.now();
    const ownerState = (seq: number, watts: number): Buffer =>
      encodeEnvelope({ domain: 'power', owner: 'power-service', version: 1, epoch, seq, time: epoch, state: { watts, source: 'grid' } });
    await raw.bus.publish(`${system.prefix}/status/power-service`, encodeStatus({ service: 'power-service', status: 'online', epoch, time: epoch }), { retain: true });
    await raw.bus.publish(`${system.prefix}/state/power`, ownerState(1, 10), { retain: true });
    await raw.bus.publish(`${system.prefix}/state/power`, ownerState(2, 11), { retain: true });
    const lighting = launch<LightingTypes>(system, 'lighting-service', {}, { maxPayloadBytes: 4096 });
    await lighting.instance.start();
    await waitFor(() => lighting.instance.status('power').seq === 2, 'power seq 2');
    const good = { protocol: 'chinook/1', domain: 'power', owner: 'power-service', version: 1, epoch, seq: 3, time: new Date().toISOString(), state: { watts: 999, source: 'grid' } };
    const p = system.prefix;
    const garbage: [string, string | Buffer][] = [
      [`${p}/state/power`, 'not json at all'],
      [`${p}/state/power`, 'not json at all'],
      [`${p}/state/power`, JSON.stringify({ ...good, protocol: 'chinook/0' })],
      [`${p}/state/power`, JSON.stringify({ ...good, domain: 'lighting' })],
      [`${p}/state/power`, JSON.stringify({ ...good, owner: 'mallory' })],
      [`${p}/state/power`, JSON.stringify({ ...good, version: 7 })],
      [`${p}/state/power`, JSON.stringify({ ...good, seq: 1 })],
      [`${p}/state/power`, JSON.stringify({ ...good, state: { watts: 'lots' } })],
      [`${p}/state/power`, JSON.stringify({ ...good, state: { watts: 1, source: 'grid', pad: 'x'.repeat(5000) } })],
      [`${p}/state/power`, JSON.stringify({ ...good, seq: 'three' })],
      [`${p}/state/garden`, JSON.stringify({ ...good, domain: 'garden' })],
      [`${p}/status/power-service`, '{"protocol":"chinook/1","service":"power-service","status":"asleep","epoch":1,"time":"x"}'],
    ];
    for (const [topic, payload] of garbage) await raw.bus.publish(topic, Buffer.from(payload), { retain: false });
    await waitFor(() => Object.values(lighting.instance.counters().rejected).reduce((a, b) => a + (b ?? 0), 0) >= garbage.length, 'all garbage counted');

    expect(lighting.instance.counters().rejected).toEqual({
      'not-json': 2,
      'wrong-protocol': 1,
      'wrong-domain': 1,
      'foreign-owner': 1,
      'wrong-version': 1,
      stale: 1,
      'schema-invalid': 1,
      oversize: 1,
      'malformed-envelope': 2,
      'unknown-domain': 1,
    });
    expect(lighting.instance.state.power).toEqual({ watts: 11, source: 'grid' });
    expect(lighting.instance.status('power')).toMatchObject({ availability: 'available', epoch, seq: 2 });
    expect(lighting.instance.peers()['power-service']).toBe('online');
    // Reported once per (reason, domain): the second not-json is only counted.
    const reports = lighting.events.filter((e) => e.type === 'rejected');
    expect(reports.filter((e) => e.reason === 'not-json')).toHaveLength(1);
    expect(reports.find((e) => e.reason === 'foreign-owner')).toMatchObject({ topic: `${p}/state/power`, domain: 'power', count: 1, detail: expect.stringContaining('mallory') as unknown });

    // Still up, still applying what is valid.
    await raw.bus.publish(`${p}/state/power`, Buffer.from(JSON.stringify(good)), { retain: false });
    await waitFor(() => lighting.instance.status('power').seq === 3, 'the valid envelope applied');
    expect(lighting.instance.state.power).toEqual({ watts: 999, source: 'grid' });
    expect(lighting.instance.phase()).toBe('running');
  });

  it('validates before publishing: an invalid or foreign state never leaves the process', async () => {
    const system = newSystem();
    const raw = await observe(system);
    const power = await startPower(system);
    const ctx = power.ctx();
    const invalid = ctx.publish('power', { watts: -5, source: 'grid' });
    await expect(invalid).rejects.toBeInstanceOf(StateInvalidError);
    await expect(invalid).rejects.toMatchObject({ domain: 'power', issues: [{ path: '/watts', keyword: 'minimum' }] });
    // @ts-expect-error lighting is not power-service's
    await expect(ctx.publish('lighting', { lamps: [] })).rejects.toMatchObject({ name: 'PublishRefusedError', code: 'not-owner' });
    await power.ctx().publish('power', { watts: 7, source: 'grid' });
    await waitFor(() => raw.last(`${system.prefix}/state/power`)?.['seq'] === 2, 'the valid one');
    expect(raw.messages.filter((m) => m.topic.includes('/state/')).map((m) => parse(m)['seq'])).toEqual([1, 2]);
    expect(power.instance.counters().published).toBe(2);
  });

  it('delivers updates of its own domains too, and reports handler errors without stopping', async () => {
    const system = newSystem();
    const seen: number[] = [];
    const power = await startPower(system, {
      onUpdate: {
        power: (state) => {
          seen.push(state.watts);
          if (state.watts === 2) throw new Error('handler bug');
        },
      },
    }, 1);
    await power.ctx().publish('power', { watts: 2, source: 'grid' });
    await power.ctx().publish('power', { watts: 3, source: 'grid' });
    await waitFor(() => seen.length === 3, 'three own updates');
    expect(seen).toEqual([1, 2, 3]);
    expect(power.events.find((e) => e.type === 'handler-error')).toMatchObject({ callback: 'onUpdate.power' });
    expect(power.instance.phase()).toBe('running');
    // MQTT 5: the state subscription is No Local, own publishes never come back; elsewhere their echoes are dropped.
    if (power.bus().honoursNoLocal !== true) await waitFor(() => power.instance.counters().duplicates >= 3, 'own echoes dropped as duplicates');
    expect(power.instance.counters().rejected).toEqual({});
  });

  it('an owner that dies: dependents see its domain stale and it offline; its restart is accepted with a new epoch', async () => {
    const system = newSystem();
    const power = await startPower(system, {}, 5);
    const calls: string[] = [];
    const updates: number[] = [];
    const lighting = launch<LightingTypes>(system, 'lighting-service', {
      onUpdate: { power: (s) => void updates.push(s.watts) },
      onDependencyLost: (d) => void calls.push(`lost ${d}`),
      onDependencyRegained: (d) => void calls.push(`regained ${d}`),
    });
    await lighting.instance.start();
    const firstEpoch = power.instance.epoch;

    await power.bus().close({ abrupt: true });
    await waitFor(() => lighting.instance.status('power').availability === 'stale', 'power stale');
    expect(lighting.instance.peers()['power-service']).toBe('offline');
    expect(lighting.instance.state.power).toEqual({ watts: 5, source: 'grid' });
    expect(lighting.instance.phase()).toBe('paused');
    expect(calls).toEqual(['lost power']);

    const restarted = await startPower(system, {}, 6);
    expect(restarted.instance.epoch).toBeGreaterThan(firstEpoch);
    await waitFor(() => lighting.instance.state.power?.watts === 6, 'the restarted owner applied');
    expect(lighting.instance.status('power')).toMatchObject({ availability: 'available', epoch: restarted.instance.epoch, seq: 1 });
    await waitFor(() => lighting.instance.phase() === 'running', 'running again');
    expect(calls).toEqual(['lost power', 'regained power']);
    await waitFor(() => updates.includes(6), 'the held update delivered');
    expect(lighting.instance.counters().rejected).toEqual({});
  });

  it('with onDependencyLost: exit, stops with dependency-lost', async () => {
    const system = newSystem();
    const power = await startPower(system);
    const lighting = launch<LightingTypes>(system, 'lighting-service', {}, { onDependencyLost: 'exit' });
    await lighting.instance.start();
    await power.bus().close({ abrupt: true });
    expect(await lighting.instance.done).toEqual({ type: 'dependency-lost', domain: 'power' });
    expect(lighting.instance.phase()).toBe('stopped');
  });

  // ── Ordering and recovery (docs/protocol.md): no single envelope, no clock jump leaves a domain stuck ──

  /** power owned by a running instance, lighting receiving it; `raw` watches the system. */
  const ownerAndReceiver = async (watts = 1) => {
    const system = newSystem();
    const raw = await observe(system);
    const power = await startPower(system, {}, watts);
    const lighting = launch<LightingTypes>(system, 'lighting-service', {});
    await lighting.instance.start();
    const forge = (epoch: number, seq: number, watts: number, retain = true): Promise<void> =>
      raw.bus.publish(`${system.prefix}/state/power`, encodeEnvelope({ domain: 'power', owner: 'power-service', version: 1, epoch, seq, time: Date.now(), state: { watts, source: 'grid' } }), { retain });
    return { system, raw, power, lighting, forge };
  };

  it('a forged envelope with a future epoch: the owner re-asserts, everyone is current again and stays so', async () => {
    const { system, raw, power, lighting, forge } = await ownerAndReceiver(1);
    await forge(Date.now() + 3_600_000, 1, 666);
    await waitFor(() => raw.last(`${system.prefix}/state/power`)?.['epoch'] === power.instance.epoch && lighting.instance.state.power?.watts === 1, 'the owner re-asserted');
    await power.ctx().publish('power', { watts: 2, source: 'grid' });
    await waitFor(() => lighting.instance.state.power?.watts === 2, 'the next real update applied');
    expect(lighting.instance.status('power')).toMatchObject({ epoch: power.instance.epoch });
    // A newcomer finds the owner's state retained, not the forgery.
    const late = await observe(system);
    await waitFor(() => late.last(`${system.prefix}/state/power`) !== undefined, 'retained state');
    expect(late.last(`${system.prefix}/state/power`)).toMatchObject({ epoch: power.instance.epoch, state: { watts: 2 } });
  });

  it('a forged seq of 2^53 − 1 on the owner\'s own epoch: the owner re-asserts and its next updates apply', async () => {
    const { power, lighting, forge } = await ownerAndReceiver(1);
    await forge(power.instance.epoch, Number.MAX_SAFE_INTEGER, 666);
    await waitFor(() => lighting.instance.state.power?.watts === 1 && lighting.instance.status('power').seq! < 1000, 'the owner re-asserted');
    await power.ctx().publish('power', { watts: 3, source: 'grid' });
    await waitFor(() => lighting.instance.state.power?.watts === 3, 'the next real update applied');
    expect(lighting.instance.counters().rejected['malformed-envelope'] ?? 0).toBe(0);
  });

  it('a forged seq below the ceiling on the owner\'s epoch: the owner skips past it', async () => {
    const { power, lighting, forge } = await ownerAndReceiver(1);
    await forge(power.instance.epoch, 1_000_000, 666);
    await waitFor(() => lighting.instance.state.power?.watts === 1 && lighting.instance.status('power').seq! > 1_000_000, 'the owner re-asserted past it');
    await power.ctx().publish('power', { watts: 4, source: 'grid' });
    await waitFor(() => lighting.instance.state.power?.watts === 4, 'the next real update applied');
  });

  it('garbage retained on an owned topic: the owner puts its state back for newcomers', async () => {
    const { system, raw, power } = await ownerAndReceiver(5);
    await raw.bus.publish(`${system.prefix}/state/power`, Buffer.from('garbage'), { retain: true });
    await waitFor(() => raw.last(`${system.prefix}/state/power`)?.['epoch'] === power.instance.epoch && raw.messages.filter((m) => m.topic.endsWith('/state/power')).length >= 3, 'the owner re-asserted');
    const late = await observe(system);
    await waitFor(() => late.last(`${system.prefix}/state/power`) !== undefined, 'retained state');
    expect(late.last(`${system.prefix}/state/power`)).toMatchObject({ state: { watts: 5 } });
  });

  it('an owner restarted with its clock behind the earlier instance\'s (retained state gone): its domains are current everywhere', async () => {
    const system = newSystem();
    const ahead = launch<PowerTypes>(system, 'power-service', {}, { now: () => Date.now() + 3_600_000 });
    await ahead.instance.start();
    await ahead.ctx().publish('power', { watts: 1, source: 'grid' });
    const lighting = launch<LightingTypes>(system, 'lighting-service', {});
    await lighting.instance.start();
    await ahead.instance.stop();
    // The retained state is lost (a broker without persistence): only the receivers remember the epoch ahead.
    const raw = await observe(system);
    await raw.bus.publish(`${system.prefix}/state/power`, Buffer.alloc(0), { retain: true });
    const power = await startPower(system, {}, 2);
    expect(power.instance.epoch).toBeLessThan(ahead.instance.epoch);
    await waitFor(() => lighting.instance.state.power?.watts === 2, 'the restarted owner applied');
    await power.ctx().publish('power', { watts: 3, source: 'grid' });
    await waitFor(() => lighting.instance.state.power?.watts === 3, 'its next update applied');
  });

  it('status, will and envelopes of one instance carry the same epoch, even after an earlier instance with a clock ahead', async () => {
    const system = newSystem();
    const raw = await observe(system);
    const future = Date.now() + 3_600_000;
    const earlier = encodeEnvelope({ domain: 'power', owner: 'power-service', version: 1, epoch: future, seq: 9, time: future, state: { watts: 1, source: 'grid' } });
    await raw.bus.publish(`${system.prefix}/state/power`, earlier, { retain: true });
    const lighting = launch<LightingTypes>(system, 'lighting-service', {});
    const power = await startPower(system, {}, 2);
    await lighting.instance.start();
    const epoch = power.instance.epoch;
    expect(epoch).toBeLessThan(future);
    await waitFor(() => raw.last(`${system.prefix}/state/power`)?.['epoch'] === epoch, 'the new epoch on the bus');
    expect(raw.last(`${system.prefix}/state/power`)).toMatchObject({ seq: 1, state: { watts: 2 } });
    expect(raw.last(`${system.prefix}/status/power-service`)).toMatchObject({ status: 'online', epoch });
    await waitFor(() => lighting.instance.state.power?.watts === 2, 'applied by a receiver that saw the earlier one');
    await power.bus().close({ abrupt: true });
    await waitFor(() => raw.last(`${system.prefix}/status/power-service`)?.['status'] === 'offline', 'the will', 20_000);
    expect(raw.last(`${system.prefix}/status/power-service`)).toMatchObject({ epoch });
  });

  it('an offline older than the current online is not applied; the owner\'s retained status is put back', async () => {
    const { system, raw, power, lighting } = await ownerAndReceiver(1);
    await raw.bus.publish(`${system.prefix}/status/power-service`, encodeStatus({ service: 'power-service', status: 'offline', epoch: power.instance.epoch - 1, time: Date.now() }), { retain: true });
    await waitFor(() => raw.last(`${system.prefix}/status/power-service`)?.['status'] === 'online', 'online said again');
    expect(lighting.instance.peers()['power-service']).toBe('online');
    expect(lighting.instance.phase()).toBe('running');
    expect(lighting.events.some((e) => e.type === 'lifecycle' && e.message.includes('lost'))).toBe(false);
  });

  it('after a broker restart, reconnects and republishes its status and state (same epoch, next seq)', async () => {
    const system = newSystem();
    const power = await startPower(system, {}, 77);
    const lighting = launch<LightingTypes>(system, 'lighting-service', {});
    await lighting.instance.start();
    await target.restartServer();
    await waitFor(() => lighting.instance.status('power').seq === 2, 'the republished power state', 20_000);
    expect(lighting.instance.status('power')).toMatchObject({ availability: 'available', epoch: power.instance.epoch });
    // A newcomer after the restart finds it retained again.
    const raw = await observe(system);
    await waitFor(() => raw.last(`${system.prefix}/state/power`) !== undefined && raw.last(`${system.prefix}/status/power-service`)?.['status'] === 'online', 'retained state and status', 20_000);
    expect(raw.last(`${system.prefix}/state/power`)).toMatchObject({ epoch: power.instance.epoch, seq: 2, state: { watts: 77 } });
  });

  it('stop: onStop, then offline (retained), then the bus closes; idempotent; publish refused afterwards', async () => {
    const system = newSystem();
    let stopped = 0;
    const power = await startPower(system, { onStop: () => void stopped++ });
    const ctx = power.ctx();
    await Promise.all([power.instance.stop(), power.instance.stop()]);
    await power.instance.stop();
    expect(stopped).toBe(1);
    expect(await power.instance.done).toEqual({ type: 'stopped' });
    expect(ctx.signal.aborted).toBe(true);
    await expect(ctx.publish('power', { watts: 1, source: 'grid' })).rejects.toBeInstanceOf(PublishRefusedError);
    const raw = await observe(system);
    await waitFor(() => raw.last(`${system.prefix}/status/power-service`) !== undefined, 'retained status');
    expect(raw.last(`${system.prefix}/status/power-service`)).toMatchObject({ status: 'offline', epoch: power.instance.epoch });
  });
}
