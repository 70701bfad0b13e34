/**
 * Only the owner can write (issue 13), on every bus with the rights of `chinook acl`:
 * the embedded broker, mosquitto (MQTT 3.1.1 and 5) and redis-server. Each attack is made
 * with real credentials of another service (or none), and checked from the receiving side:
 * no subscriber gets the forged message and the retained value is unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus, BusEvent, BusMessage } from '../../src/bus/bus.js';
import { encodeEnvelope, encodeStatus } from '../../src/runtime/envelope.js';
import { describeIfBinary } from '../support/brokers.js';
import { connectAs, PREFIX, startEmbeddedTarget, startMosquittoTarget, startRedisTarget, urlAs, type AccessTarget } from './access-targets.js';

const POWER = `${PREFIX}/state/power`;
const ENERGY_STATUS = `${PREFIX}/status/energy-service`;
const OWNER = 'energy-service';
const FORGER = 'lighting-service';
const EPOCH = Date.now();
const GENUINE_STATE = { watts: 420, source: 'grid' };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function envelope(seq: number, state: unknown, owner = OWNER): Buffer {
  return encodeEnvelope({ domain: 'power', owner, version: REFERENCE_VERSION, epoch: EPOCH, seq, time: Date.now(), state });
}
const REFERENCE_VERSION = 1;

/** What a publish attempt came to within `ms`: resolved, rejected (with its code), or still pending (a dropped connection). */
async function attempt(publish: Promise<void>, ms = 1_500): Promise<string> {
  const outcome = publish.then(
    () => 'accepted',
    (error: { code?: string }) => `rejected:${error.code ?? 'error'}`,
  );
  return Promise.race([outcome, sleep(ms).then(() => 'pending')]);
}

/** An observer connection that records everything it receives under the prefix. */
async function watch(target: AccessTarget): Promise<{ bus: Bus; messages: BusMessage[] }> {
  const bus = await connectAs(target, 'observer');
  const messages: BusMessage[] = [];
  bus.onMessage((m) => messages.push(m));
  await Promise.all([bus.subscribe(`${PREFIX}/state/+`), bus.subscribe(`${PREFIX}/status/+`)]);
  return { bus, messages };
}

async function retainedValue(target: AccessTarget, topic: string): Promise<string | undefined> {
  const { bus, messages } = await watch(target);
  const deadline = Date.now() + 3_000;
  while (!messages.some((m) => m.topic === topic) && Date.now() < deadline) await sleep(25);
  await bus.close();
  return messages.filter((m) => m.topic === topic).at(-1)?.payload.toString();
}

function attackSuite(start: () => Promise<AccessTarget>): void {
  let target: AccessTarget;
  let owner: Bus;
  const open: Bus[] = [];
  const genuine = envelope(1, GENUINE_STATE).toString();
  const online = encodeStatus({ service: OWNER, status: 'online', epoch: EPOCH, time: Date.now() }).toString();

  beforeAll(async () => {
    target = await start();
    owner = await connectAs(target, OWNER, {
      clientId: `${OWNER}-owner`,
      will: { topic: ENERGY_STATUS, payload: encodeStatus({ service: OWNER, status: 'offline', epoch: EPOCH, time: Date.now() }) },
    });
    await owner.publish(ENERGY_STATUS, Buffer.from(online), { retain: true });
    await owner.publish(POWER, Buffer.from(genuine), { retain: true });
  }, 30_000);

  afterAll(async () => {
    // Abrupt: a client whose denied publish made aedes drop it would wait for that publish's PUBACK forever.
    await Promise.all([owner, ...open].map((b) => b?.close({ abrupt: true }).catch(() => undefined)));
    await target?.stop();
  });

  it("another service's valid credentials cannot publish a domain it does not own: nobody receives it, the retained state is unchanged", async () => {
    const observer = await watch(target);
    open.push(observer.bus);
    const forger = await connectAs(target, FORGER);
    open.push(forger);
    const outcome = await attempt(forger.publish(POWER, envelope(1_000_000, { watts: 0, source: 'FORGED' }, OWNER), { retain: true }));
    await sleep(500);
    expect(observer.messages.filter((m) => m.payload.toString().includes('FORGED'))).toEqual([]);
    expect(await retainedValue(target, POWER)).toBe(genuine);
    if (target.mqtt5 || target.kind === 'redis') expect(outcome).toBe('rejected:bus-denied');
  });

  it('a forged offline status for a live service is refused', async () => {
    const observer = await watch(target);
    open.push(observer.bus);
    const forger = await connectAs(target, FORGER);
    open.push(forger);
    await attempt(forger.publish(ENERGY_STATUS, encodeStatus({ service: OWNER, status: 'offline', epoch: EPOCH + 1, time: Date.now() }), { retain: true }));
    await sleep(500);
    expect(observer.messages.filter((m) => m.topic === ENERGY_STATUS && m.payload.toString().includes('offline'))).toEqual([]);
    expect(await retainedValue(target, ENERGY_STATUS)).toBe(online);
  });

  it('a forged will for a live service is refused (at connect, or never fired)', async () => {
    const observer = await watch(target);
    open.push(observer.bus);
    const will = { topic: ENERGY_STATUS, payload: encodeStatus({ service: OWNER, status: 'offline', epoch: EPOCH + 2, time: Date.now() }) };
    let connected: Bus | undefined;
    try {
      connected = await connectAs(target, FORGER, { will, clientId: `${FORGER}-willforger` });
    } catch (error) {
      expect((error as { code?: string }).code).toBe('bus-refused');
    }
    // Dies as a crash would: the broker (or, on Redis, anyone watching) would publish the will.
    await connected?.close({ abrupt: true });
    await sleep(3_000);
    expect(observer.messages.filter((m) => m.topic === ENERGY_STATUS && m.payload.toString().includes('offline'))).toEqual([]);
    expect(await retainedValue(target, ENERGY_STATUS)).toBe(online);
  }, 20_000);

  it('no credentials, or a wrong password, are refused', async () => {
    await expect(connectAs(target, undefined)).rejects.toMatchObject({ code: 'bus-refused' });
    await expect(connectAs(target, FORGER, { password: 'not-the-secret' })).rejects.toMatchObject({ code: 'bus-refused' });
    await expect(connectAs(target, 'nobody', { password: 'x' })).rejects.toMatchObject({ code: 'bus-refused' });
  });

  it('the observer reads the whole state and writes nothing', async () => {
    const observer = await watch(target);
    open.push(observer.bus);
    const deadline = Date.now() + 3_000;
    while (observer.messages.length < 2 && Date.now() < deadline) await sleep(25);
    expect(observer.messages.map((m) => m.topic).sort()).toEqual([POWER, ENERGY_STATUS].sort());
    const other = await watch(target);
    open.push(other.bus);
    const writer = await connectAs(target, 'observer');
    open.push(writer);
    const events: BusEvent[] = [];
    writer.onEvent((e) => events.push(e));
    const outcome = await attempt(writer.publish(POWER, envelope(2_000_000, { watts: 1, source: 'FORGED' }), { retain: true }));
    await sleep(500);
    expect(other.messages.filter((m) => m.payload.toString().includes('FORGED'))).toEqual([]);
    expect(await retainedValue(target, POWER)).toBe(genuine);
    if (target.mqtt5 || target.kind === 'redis') {
      // Detected where the protocol can say so: a coded error and a `denied` event.
      expect(outcome).toBe('rejected:bus-denied');
      expect(events).toContainEqual(expect.objectContaining({ type: 'denied', operation: 'publish', topic: POWER }));
    }
  });

  it('a subscription outside its rights is denied (bus-denied)', async () => {
    const forger = await connectAs(target, FORGER);
    open.push(forger);
    const subscribing = forger.subscribe('chinook/another-system/state/+');
    // mosquitto 2.0 grants the SUBACK and filters each message at delivery instead (no identity may publish there).
    if (target.kind === 'mosquitto') await expect(subscribing).resolves.toBeUndefined();
    else await expect(subscribing).rejects.toMatchObject({ code: 'bus-denied' });
  });

  it("the owner's own publishes still go through", async () => {
    const observer = await watch(target);
    open.push(observer.bus);
    const next = envelope(2, { watts: 421, source: 'grid' }).toString();
    await owner.publish(POWER, Buffer.from(next), { retain: true });
    const deadline = Date.now() + 3_000;
    while (!observer.messages.some((m) => m.payload.toString() === next) && Date.now() < deadline) await sleep(25);
    expect(observer.messages.some((m) => m.payload.toString() === next)).toBe(true);
    await owner.publish(POWER, Buffer.from(genuine), { retain: true });
  });
}

describe('embedded broker with access rights', () => attackSuite(startEmbeddedTarget));
describeIfBinary('mosquitto', 'mosquitto with chinook acl files, MQTT 3.1.1', () => attackSuite(() => startMosquittoTarget(false)));
describeIfBinary('mosquitto', 'mosquitto with chinook acl files, MQTT 5', () => attackSuite(() => startMosquittoTarget(true)));
describeIfBinary('redis-server', 'redis-server with the chinook acl file', () => attackSuite(startRedisTarget));

describeIfBinary('redis-server', 'redis-server: raw commands outside the adapter', () => {
  let target: AccessTarget;
  beforeAll(async () => {
    target = await startRedisTarget();
  }, 30_000);
  afterAll(() => target?.stop());

  it('a service cannot reach another domain by PUBLISH, SET or a Lua script of its own (channel and key rights)', async () => {
    const { Redis } = await import('ioredis');
    const raw = new Redis(urlAs(target.url, FORGER), { lazyConnect: true, maxRetriesPerRequest: 0 });
    await raw.connect();
    try {
      const forged = envelope(3_000_000, { watts: 0, source: 'FORGED' }).toString();
      await expect(raw.publish(POWER, forged)).rejects.toThrow(/NOPERM/);
      await expect(raw.set(POWER, forged)).rejects.toThrow(/NOPERM/);
      await expect(raw.eval(`return redis.call('PUBLISH', KEYS[1], ARGV[1])`, 1, POWER, forged)).rejects.toThrow(/NOPERM|can't/);
      await expect(raw.eval(`return redis.call('PUBLISH', '${POWER}', ARGV[1])`, 0, forged)).rejects.toThrow(/NOPERM|can't/);
      await expect(raw.acl('SETUSER', FORGER, 'allchannels')).rejects.toThrow(/NOPERM/);
    } finally {
      raw.disconnect();
    }
  });
});

describeIfBinary('redis-server', 'redis-server: wills under ACLs, fired by the liveness identity', () => {
  let target: AccessTarget;
  const open: Bus[] = [];
  beforeAll(async () => {
    target = await startRedisTarget();
    open.push(await connectAs(target, 'liveness'));
  }, 30_000);
  afterAll(async () => {
    await Promise.all(open.map((b) => b.close({ abrupt: true }).catch(() => undefined)));
    await target?.stop();
  });

  const offlineOf = (service: string, epoch: number) => ({ topic: `${PREFIX}/status/${service}`, payload: encodeStatus({ service, status: 'offline', epoch, time: Date.now() }) });
  const sawOffline = (messages: readonly BusMessage[]) => messages.some((m) => m.topic === ENERGY_STATUS && m.payload.toString().includes('"offline"'));

  it("a crashed service's own will still fires: its dependents see it offline", async () => {
    const observer = await watch(target);
    open.push(observer.bus);
    const owner = await connectAs(target, OWNER, { will: offlineOf(OWNER, EPOCH) });
    await owner.publish(ENERGY_STATUS, encodeStatus({ service: OWNER, status: 'online', epoch: EPOCH, time: Date.now() }), { retain: true });
    await owner.close({ abrupt: true });
    const deadline = Date.now() + 8_000;
    while (!sawOffline(observer.messages) && Date.now() < deadline) await sleep(50);
    expect(sawOffline(observer.messages)).toBe(true);
  }, 20_000);

  it("a will naming another service's status is never fired", async () => {
    const owner = await connectAs(target, OWNER, { will: offlineOf(OWNER, EPOCH + 10) });
    open.push(owner);
    await owner.publish(ENERGY_STATUS, encodeStatus({ service: OWNER, status: 'online', epoch: EPOCH + 10, time: Date.now() }), { retain: true });
    const observer = await watch(target);
    open.push(observer.bus);
    const forger = await connectAs(target, FORGER, { will: offlineOf(OWNER, EPOCH + 11) });
    await forger.close({ abrupt: true });
    await sleep(4_000);
    expect(sawOffline(observer.messages)).toBe(false);
  }, 20_000);
});
