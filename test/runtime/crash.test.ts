/**
 * kill -9 of a service's process: its dependents see its domain stale and the service
 * offline (the broker publishes its will), and its restart is accepted with a new epoch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createBus, createService, startEmbeddedBroker } from '../../src/runtime/index.js';
import { describeIfBinary, startMosquitto } from '../support/brokers.js';
import { createTestSystem, waitFor, type LightingTypes } from './fixtures.js';

const childScript = fileURLToPath(new URL('./service-child.ts', import.meta.url));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts the child power-service; resolves with its epoch once it has published. */
async function spawnPower(url: string, system: string, watts: number): Promise<{ epoch: number; kill(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, url, system, String(watts)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const epoch = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service child not ready within 20 s:\n${output}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /ready (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`service child exited (${code}):\n${output}`)));
  });
  return {
    epoch,
    kill: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      children.delete(child);
    },
  };
}

function defineCrashTest(start: () => Promise<{ url: string; stop(): Promise<void> }>): void {
  it('kill -9 of the owner: stale and offline for dependents; the restart is accepted with a new epoch', async () => {
    const broker = await start();
    const systemName = `crash-${randomBytes(3).toString('hex')}`;
    const first = await spawnPower(broker.url, systemName, 1);
    const lighting = createService<LightingTypes>(createTestSystem(systemName), 'lighting-service', {}, {
      bus: (options) => createBus(broker.url, { ...options, keepaliveSeconds: 1 }),
      log: () => {},
    });
    try {
      await lighting.start();
      expect(lighting.status('power')).toMatchObject({ availability: 'available', epoch: first.epoch, seq: 1 });

      await first.kill();
      // The will comes on the broker's detection of the dead connection: at once on a
      // closed socket, within 1.5 × keepalive (here 1.5 s) otherwise.
      await waitFor(() => lighting.status('power').availability === 'stale', 'power stale', 10_000);
      expect(lighting.peers()['power-service']).toBe('offline');
      expect(lighting.phase()).toBe('paused');

      const second = await spawnPower(broker.url, systemName, 2);
      expect(second.epoch).toBeGreaterThan(first.epoch);
      await waitFor(() => lighting.status('power').epoch === second.epoch, 'the new epoch applied', 10_000);
      expect(lighting.status('power')).toMatchObject({ availability: 'available', seq: 1 });
      expect(lighting.state.power).toEqual({ watts: 2, source: 'grid' });
      expect(lighting.phase()).toBe('running');
      expect(lighting.counters().rejected).toEqual({});
      await second.kill();
    } finally {
      await lighting.stop();
      await broker.stop();
    }
  });
}

describe('crash: embedded aedes', () => {
  defineCrashTest(async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    return { url: broker.url, stop: () => broker.close() };
  });
});

describeIfBinary('mosquitto', 'crash: mosquitto (MQTT 5)', () => {
  defineCrashTest(async () => {
    const server = await startMosquitto();
    return { url: `${server.url}?protocol=5`, stop: () => server.stop() };
  });
});
