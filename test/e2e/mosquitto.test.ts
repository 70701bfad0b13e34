/**
 * The reference system, unchanged, on a real mosquitto (started here on a free port) by
 * passing its URL — MQTT 3.1.1 and MQTT 5 — watched by `mosquitto_sub`, a client nobody
 * here wrote, whose output must read exactly as PROTOCOL.md says.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { describeIfBinary, hasBinary, startMosquitto, type ExternalBroker } from '../support/brokers.js';
import { DOMAINS, REFERENCE, SERVICES, startRun, waitForConvergence, type RunningSystem } from './run-system.js';
import { expectProtocolMessages, watchWithMosquittoSub } from './watch.js';


let running: RunningSystem | undefined;
afterEach(() => {
  running?.kill();
  running = undefined;
});

const brokers: ExternalBroker[] = [];
afterAll(async () => {
  await Promise.all(brokers.map((b) => b.stop()));
});

const stateTopics = DOMAINS.map((d) => REFERENCE.domains[d]!.topic);
const statusTopics = SERVICES.map((s) => REFERENCE.services[s]!.status);

for (const mqtt5 of [false, true]) {
  const version = mqtt5 ? 'MQTT 5' : 'MQTT 3.1.1';
  // Needs both the broker and its client: name the one that is missing.
  const binary = hasBinary('mosquitto_sub') ? 'mosquitto' : 'mosquitto_sub';
  describeIfBinary(binary, `chinook run --broker mqtt://… on mosquitto, ${version}`, () => {
    it('converges unchanged; mosquitto_sub sees retained envelopes and statuses exactly as PROTOCOL.md says; SIGINT leaves every status offline', async () => {
      const broker = await startMosquitto();
      brokers.push(broker);
      const url = mqtt5 ? `${broker.url}?protocol=5` : broker.url;
      const system = (running = startRun(['--broker', url]));
      await waitForConvergence(system);
      expect(system.lines[0]).toContain(`bus ${url} `);

      // A late joiner: the retained message of every topic first (retain flag 1), then live ones.
      const seen = await watchWithMosquittoSub(broker.port, { count: 25, seconds: 12, mqtt5 });
      const retained = seen.filter((m) => m.retained);
      expect(retained.map((m) => m.topic).sort()).toEqual([...stateTopics, ...statusTopics].sort());
      expect(seen.slice(0, retained.length).every((m) => m.retained), 'retained messages come first').toBe(true);
      const live = seen.slice(retained.length);
      expect(live.length, 'some live updates were seen').toBeGreaterThan(0);
      expect(live.every((m) => m.topic.startsWith(`${REFERENCE.prefix}/state/`)), 'live messages are state updates').toBe(true);

      const { envelopes, statuses } = expectProtocolMessages(seen);
      for (const service of SERVICES) expect(statuses.get(service)?.map((s) => s['status']), service).toEqual(['online']);
      expect([...envelopes.values()].some((list) => list.length >= 2), 'a domain published more than once').toBe(true);

      system.child.kill('SIGINT');
      expect((await system.exit).code).toBe(0);
      // After a clean stop: every status retained `offline` with its instance's epoch; the last states stay.
      const after = await watchWithMosquittoSub(broker.port, { count: stateTopics.length + statusTopics.length, seconds: 5, mqtt5 });
      expect(after.every((m) => m.retained)).toBe(true);
      const stopped = expectProtocolMessages(after);
      for (const service of SERVICES) {
        expect(stopped.statuses.get(service)?.map((s) => s['status']), service).toEqual(['offline']);
        expect(stopped.statuses.get(service)![0]!['epoch'], `${service}: offline carries the epoch it was online with`).toBe(statuses.get(service)![0]!['epoch']);
      }
      expect([...stopped.envelopes.keys()].sort()).toEqual(DOMAINS);
    }, 240_000);
  });
}
