/**
 * The one conformance suite (conformance.ts), run against every bus: the in-memory bus,
 * the embedded aedes broker, mosquitto over MQTT 3.1.1 and MQTT 5, Redis and NATS JetStream — the servers
 * are started here on free ports.
 */
import { describe } from 'vitest';
import { createMemoryBroker, createMemoryBus } from '../../src/bus/memory.js';
import { createMqttBus } from '../../src/bus/mqtt.js';
import { createNatsBus } from '../../src/bus/nats.js';
import { createRedisBus } from '../../src/bus/redis.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { describeIfBinary, startMosquitto, startNatsServer, startRedis } from '../support/brokers.js';
import { defineBusConformance } from './conformance.js';

describe('bus conformance: memory', () => {
  defineBusConformance(async () => {
    const broker = createMemoryBroker();
    return {
      createBus: (options) => createMemoryBus(broker, options),
      restartServer: () => broker.restart(),
      keepaliveSeconds: 1,
      stop: async () => {},
    };
  });
});

describe('bus conformance: embedded aedes (MQTT 3.1.1)', () => {
  defineBusConformance(async () => {
    let broker: EmbeddedBroker = await startEmbeddedBroker({ port: 0 });
    const port = broker.port;
    return {
      createBus: (options) => createMqttBus(broker.url, { ...options, protocolVersion: 4 }),
      restartServer: async () => {
        await broker.close();
        broker = await startEmbeddedBroker({ port });
      },
      url: broker.url,
      keepaliveSeconds: 2,
      stop: () => broker.close(),
    };
  });
});

for (const protocolVersion of [4, 5] as const) {
  describeIfBinary('mosquitto', `bus conformance: mosquitto (MQTT ${protocolVersion === 4 ? '3.1.1' : '5'})`, () => {
    defineBusConformance(async () => {
      const server = await startMosquitto();
      const url = `${server.url}?protocol=${protocolVersion}`;
      return {
        createBus: (options) => createMqttBus(url, options),
        restartServer: () => server.restart(),
        url,
        keepaliveSeconds: 2,
        noLocal: protocolVersion === 5,
        stop: () => server.stop(),
      };
    });
  });
}

describeIfBinary('redis-server', 'bus conformance: Redis', () => {
  defineBusConformance(async () => {
    const server = await startRedis();
    return {
      createBus: (options) => createRedisBus(server.url, options),
      restartServer: () => server.restart(),
      url: server.url,
      keepaliveSeconds: 1,
      stop: () => server.stop(),
    };
  });
});

describeIfBinary('nats-server', 'bus conformance: NATS JetStream', () => {
  defineBusConformance(async () => {
    const server = await startNatsServer();
    return {
      createBus: (options) => createNatsBus(server.url, options),
      restartServer: () => server.restart(),
      url: server.url,
      keepaliveSeconds: 1,
      stop: () => server.stop(),
    };
  });
});
