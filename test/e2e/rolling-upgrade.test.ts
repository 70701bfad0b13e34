/**
 * A rolling upgrade of the reference system on a real mosquitto and a real Redis, in the
 * order docs/protocol.md ("Versions and rolling upgrades") recommends:
 *
 * 1. `presence` gets a compatible change (diff: compatible, version kept); its owner is
 *    restarted on the new code (a `chinook run presence-service` process of a project
 *    generated from the new manifests), while every other service keeps running on the old
 *    code (here, in this process, so that their counters and views can be read). They
 *    resume and converge on the new owner's state; nothing is rejected.
 * 2. `presence` gets a breaking change with a version bump (diff: bumped; check-live on the
 *    new manifests: the retained state would be rejected, `wrong-version`). Owner first: the
 *    old readers keep running on the last version-1 state they applied and count
 *    `wrong-version` rejections; a reader restarted on the new code converges at once.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { createBus } from '../../src/bus/create-bus.js';
import type { BusOptions } from '../../src/bus/bus.js';
import type { RuntimeLogEvent, ServiceHandler, ServiceInstance, ServiceTypes } from '../../src/runtime/contract.js';
import { services as generatedServices } from '../../generated/index.js';
import { describeIfBinary, startMosquitto, startRedis, type ExternalBroker } from '../support/brokers.js';
import { ROOT, runCli } from '../manifest/run-cli.js';
import { startRun, type RunningSystem } from './run-system.js';


const work = mkdtempSync(join(tmpdir(), 'chinook-rolling-'));
const brokers: ExternalBroker[] = [];
const processes: RunningSystem[] = [];
let readers: ServiceInstance<ServiceTypes>[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) p.kill();
  await Promise.all(readers.map((r) => r.stop().catch(() => undefined)));
  readers = [];
});
afterAll(async () => {
  await Promise.all(brokers.map((b) => b.stop()));
  rmSync(work, { recursive: true, force: true });
});

const READERS = ['climate-service', 'energy-service', 'lighting-service', 'security-service'] as const;

/** A copy of the reference project whose presence manifest is edited, generated, and able to import chinook-ipc. */
function createProject(name: string, editPresence: (text: string) => string): string {
  const dir = join(work, name);
  for (const part of ['schemas', 'handlers', 'chinook.config.yaml']) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'home', private: true, type: 'module' }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'chinook-ipc'), 'dir');
  const manifest = join(dir, 'schemas', 'presence.domain.yaml');
  writeFileSync(manifest, editPresence(readFileSync(manifest, 'utf8')));
  const generate = runCli(['generate'], dir);
  expect(generate.status, generate.stderr).toBe(0);
  return dir;
}

function replaceOnce(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

/** Compatible both ways: descriptions reworded, the sensor kinds moved into a definition of their own. */
const compatible = (text: string): string =>
  replaceOnce(
    replaceOnce(text, 'Estimated number of people in the room.', 'How many people are in the room (an estimate).'),
    "          type: string\n          enum: [motion, door, co2]",
    "          $ref: '#/$defs/SensorKind'",
  ) + '    SensorKind:\n      description: What a sensor detects.\n      type: string\n      enum: [motion, door, co2]\n';

/** Breaking for new readers of old states (a new upper bound), so version 2. */
const breaking = (text: string): string => replaceOnce(replaceOnce(compatible(text), 'version: 1', 'version: 2'), '          minimum: 0\n', '          minimum: 0\n          maximum: 20\n');

/** The other services of the reference system, on the old code, in this process. */
async function startReaders(url: string, log: RuntimeLogEvent[]): Promise<Map<string, ServiceInstance<ServiceTypes>>> {
  const started = new Map<string, ServiceInstance<ServiceTypes>>();
  for (const name of READERS) {
    const handler = ((await import(`../../handlers/${name}.ts`)) as { default: ServiceHandler<ServiceTypes> }).default;
    const create = generatedServices[name].create as unknown as (h: ServiceHandler<ServiceTypes>, o: object) => ServiceInstance<ServiceTypes>;
    const instance = create(handler, {
      bus: (options: BusOptions) => createBus(url, { ...options, keepaliveSeconds: 2 }),
      dependencyTimeoutMs: 0,
      log: (event: RuntimeLogEvent) => log.push(event),
    });
    started.set(name, instance);
    readers.push(instance);
  }
  await Promise.all([...started.values()].map((s) => s.start()));
  return started;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000, explain: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A single-service `chinook run` reports its life on stderr; `started` once its required dependencies are available. */
function waitForStart(run: RunningSystem, service: string): Promise<void> {
  return waitFor(`${service} started\n--- stderr:\n${run.stderr()}`, () => {
    if (run.ended(service) !== undefined || run.child.exitCode !== null) throw new Error(`${service} ended:\n${run.stderr()}`);
    return run.stderr().includes(`chinook ${service}: started`);
  });
}

const presenceEpoch = (s: ServiceInstance<ServiceTypes>): number => s.status('presence').epoch ?? -1;

async function stopOwner(owner: RunningSystem): Promise<void> {
  owner.child.kill('SIGINT');
  expect((await owner.exit).code).toBe(0);
}

async function rollingUpgrade(url: string): Promise<void> {
  const v1 = join(work, `v1-${brokers.length}`);
  cpSync(join(ROOT, 'schemas'), v1, { recursive: true });
  const v2 = createProject(`compatible-${brokers.length}`, compatible);
  const v3 = createProject(`breaking-${brokers.length}`, breaking);
  expect(runCli(['diff', '--against', v1], v2).stdout).toContain('presence (schemas/presence.domain.yaml): compatible both ways, version 1 kept');
  expect(runCli(['diff', '--against', v1], v3).stdout).toContain('presence (schemas/presence.domain.yaml): version 1 → 2, covering its breaking changes');

  // The reference system: presence-service as a process, the others here, all on the old code.
  const log: RuntimeLogEvent[] = [];
  let owner = startRun(['presence-service', '--broker', url, '--keepalive', '2']);
  processes.push(owner);
  await waitForStart(owner, 'presence-service');
  const others = await startReaders(url, log);
  const all = [...others.values()];
  await waitFor('every reader has presence', () => all.every((s) => s.availability()['presence'] === 'available'));
  const epoch0 = presenceEpoch(all[0]!);

  // 1. A compatible change: the owner restarts on the new code; the others go on and converge.
  expect(runCli(['check-live', '--broker', url, '--timeout', '3000'], v2).status).toBe(0);
  await stopOwner(owner);
  owner = startRun(['presence-service', '--broker', url, '--keepalive', '2'], v2);
  processes.push(owner);
  const explain = (): string => JSON.stringify({ epoch0, readers: all.map((s) => ({ name: s.name, phase: s.phase(), presence: s.status('presence'), counters: s.counters() })), log, owner: owner.stderr() }, null, 1);
  await waitFor('every reader applied the new owner\'s presence', () => all.every((s) => presenceEpoch(s) > epoch0 && s.phase() === 'running'), 60_000, explain);
  const epoch1 = presenceEpoch(all[0]!);
  expect(all.map(presenceEpoch)).toEqual(all.map(() => epoch1));
  expect(log.filter((e) => e.type === 'rejected'), 'nothing rejected across a compatible change').toEqual([]);

  // 2. A breaking change, version 2. Before deploying: check-live says the retained state would be rejected.
  const live = runCli(['check-live', '--broker', url, '--timeout', '3000'], v3);
  expect(live.status).toBe(1);
  expect(live.stdout).toMatch(/REJECTED +presence +wrong-version: version 1, expected 2/);
  await stopOwner(owner);
  owner = startRun(['presence-service', '--broker', url, '--keepalive', '2'], v3);
  processes.push(owner);
  await waitForStart(owner, 'presence-service');
  // Old readers: every version-2 envelope rejected and counted; the last version-1 state kept; still running.
  await waitFor('every old reader rejected a version-2 envelope', () => all.every((s) => (s.counters().rejected['wrong-version'] ?? 0) >= 1 && s.phase() === 'running'));
  expect(all.map(presenceEpoch)).toEqual(all.map(() => epoch1));
  expect(all.every((s) => s.state['presence'] !== undefined)).toBe(true);
  const rejection = log.find((e) => e.type === 'rejected');
  expect(rejection).toMatchObject({ reason: 'wrong-version', topic: 'chinook/home/state/presence', detail: 'version 2, expected 1' });

  // A reader restarted on the new code converges at once: the retained state is version 2.
  await others.get('security-service')!.stop();
  const upgraded = startRun(['security-service', '--broker', url, '--keepalive', '2', '--timeout', '30000'], v3);
  processes.push(upgraded);
  // `started` comes once its required dependencies (presence among them) are available.
  await waitForStart(upgraded, 'security-service');
  expect(upgraded.stderr()).not.toContain('wrong-version');
  expect(upgraded.ended('security-service')).toBeUndefined();
}

describeIfBinary('mosquitto', 'rolling upgrade on mosquitto', () => {
  it('compatible change: owner restarted on new code, others converge; breaking change with a bump: old readers reject (wrong-version) and keep the last state, upgraded readers converge', async () => {
    const broker = await startMosquitto();
    brokers.push(broker);
    await rollingUpgrade(broker.url);
  }, 300_000);
});

describeIfBinary('redis-server', 'rolling upgrade on Redis', () => {
  it('the same on Redis', async () => {
    const broker = await startRedis();
    brokers.push(broker);
    await rollingUpgrade(broker.url);
  }, 300_000);
});
