/**
 * Waiting for required dependencies counts ready domains incrementally (a cursor that
 * only moves forward while envelopes are applied). A status change can make a domain
 * already counted stale again: the service must not start on the strength of the count.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBroker, createMemoryBus, createService, type SystemSpec } from '../../src/runtime/index.js';
import { createTestSystem, waitFor, type LightingTypes } from './fixtures.js';

/** The test system plus `dash-service`, which requires both lighting and power. */
function createDashSystem(): SystemSpec {
  const base = createTestSystem('dash');
  return {
    ...base,
    services: {
      ...base.services,
      'dash-service': { name: 'dash-service', statusTopic: `${base.prefix}/status/dash-service`, owns: [], waitsFor: ['lighting', 'power'], optional: [] },
    },
  };
}

describe('waiting for required dependencies', () => {
  it('a domain counted available that goes stale (owner offline) while waiting holds the start until it is back', async () => {
    const broker = createMemoryBroker();
    const system = createDashSystem();
    const dash = createService<LightingTypes>(system, 'dash-service', {}, { bus: (o) => createMemoryBus(broker, o), log: () => {}, dependencyTimeoutMs: 0 });
    const starting = dash.start();
    await waitFor(() => dash.phase() === 'waiting', 'waiting');

    const raw = createMemoryBus(broker, { clientId: 'raw' });
    await raw.connect();
    const epoch = Date.now();
    const time = new Date().toISOString();
    const envelope = (domain: string, owner: string, state: unknown): Buffer =>
      Buffer.from(JSON.stringify({ protocol: 'chinook/1', domain, owner, version: 1, epoch, seq: 1, time, state }));
    const status = (service: string, value: 'online' | 'offline'): Buffer =>
      Buffer.from(JSON.stringify({ protocol: 'chinook/1', service, status: value, epoch, time }));

    await raw.publish(`${system.prefix}/state/lighting`, envelope('lighting', 'lighting-service', { lamps: [] }), { retain: true });
    await waitFor(() => dash.status('lighting').availability === 'available', 'lighting available');
    await raw.publish(`${system.prefix}/status/lighting-service`, status('lighting-service', 'offline'), { retain: true });
    await waitFor(() => dash.status('lighting').availability === 'stale', 'lighting stale');
    await raw.publish(`${system.prefix}/state/power`, envelope('power', 'power-service', { watts: 5, source: 'grid' }), { retain: true });
    await waitFor(() => dash.status('power').availability === 'available', 'power available');
    expect(dash.phase()).toBe('waiting');

    await raw.publish(`${system.prefix}/status/lighting-service`, status('lighting-service', 'online'), { retain: true });
    await starting;
    expect(dash.phase()).toBe('running');
    await dash.stop();
    await raw.close();
  });
});
