import { describe, expect, it } from 'vitest';
import { encodeStatus, type ServiceStatus } from '../../../src/runtime/index.js';
import { createStatusIntake } from '../../../src/runtime/status-intake.js';
import { createStore } from '../../../src/runtime/store.js';
import { createTestSystem } from '../fixtures.js';

function setup() {
  const system = createTestSystem();
  const store = createStore(system);
  const calls: string[] = [];
  const statusPrefix = `${system.prefix}/status/`;
  const receive = createStatusIntake({
    service: 'lighting-service', statusPrefix, store, maxPayloadBytes: 1024 * 1024,
    reject: (reason, topic, domain) => calls.push(`rejected ${reason} ${topic.slice(statusPrefix.length)} ${String(domain)}`),
    unblocked: (entry) => calls.push(`unblocked ${entry.name}`),
    hooks: {
      peerChanged: (peer, status, previous) => calls.push(`${peer} ${previous ?? 'unknown'} -> ${status}`),
      ownStatus: (status, epoch) => calls.push(`own ${status} ${epoch}`),
    },
  });
  const send = (service: string, status: ServiceStatus, epoch: number): void => receive(`${statusPrefix}${service}`, encodeStatus({ service, status, epoch, time: 0 }));
  return { store, calls, receive, send, statusPrefix };
}

describe('status intake', () => {
  it('records a peer by the ordering rule and tells each change once', () => {
    const { store, calls, send } = setup();
    send('power-service', 'online', 5);
    send('power-service', 'online', 5);
    send('power-service', 'offline', 4);
    send('power-service', 'offline', 5);
    expect(store.peers.get('power-service')).toMatchObject({ status: 'offline', epoch: 5, onlineEpoch: 5 });
    expect(calls).toEqual(['power-service unknown -> online', 'power-service online -> offline']);
  });

  it('hands every own status back, applied or not', () => {
    const { calls, send } = setup();
    send('lighting-service', 'online', 9);
    send('lighting-service', 'offline', 8);
    expect(calls).toEqual(['own online 9', 'lighting-service unknown -> online', 'own offline 8']);
  });

  it('tells the domains whose pending envelope an online unblocks', () => {
    const { store, calls, send } = setup();
    store.domains.get('power')!.pending = { protocol: 'chinook/1', domain: 'power', owner: 'power-service', version: 1, epoch: 3, seq: 1, time: '1970-01-01T00:00:00.000Z', state: {} };
    send('power-service', 'online', 2);
    send('power-service', 'online', 3);
    expect(calls).toEqual(['power-service unknown -> online', 'unblocked power']);
  });

  it('rejects a status that does not decode, or names another service than its topic', () => {
    const { store, calls, receive, statusPrefix } = setup();
    receive(`${statusPrefix}power-service`, Buffer.from('nope'));
    receive(`${statusPrefix}power-service`, encodeStatus({ service: 'climate-service', status: 'online', epoch: 1, time: 0 }));
    expect(store.peers.size).toBe(0);
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.startsWith('rejected ') && c.endsWith(' power-service undefined'))).toBe(true);
  });
});
