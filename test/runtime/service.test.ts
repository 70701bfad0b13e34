/**
 * The runtime's behaviour suite (service-suite.ts) on every bus: in-memory, the embedded
 * aedes broker over the MQTT adapter, and mosquitto (MQTT 3.1.1 and 5), Redis and NATS JetStream when installed.
 */
import { describe } from 'vitest';
import { createMemoryBroker, createMemoryBus, createBus, startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/index.js';
import { describeIfBinary, startMosquitto, startNatsServer, startRedis } from '../support/brokers.js';
import { defineServiceBehaviour } from './service-suite.js';

describe('runtime: memory bus', () => {
  defineServiceBehaviour(async () => {
    const broker = createMemoryBroker();
    return {
      createBus: (options) => createMemoryBus(broker, options),
      restartServer: () => broker.restart(),
      stop: async () => {},
    };
  });
});

describe('runtime: embedded aedes (MQTT 3.1.1)', () => {
  defineServiceBehaviour(async () => {
    let broker: EmbeddedBroker = await startEmbeddedBroker({ port: 0 });
    const port = broker.port;
    return {
      createBus: (options) => createBus(broker.url, options),
      restartServer: async () => {
        await broker.close();
        broker = await startEmbeddedBroker({ port });
      },
      stop: () => broker.close(),
    };
  });
});

for (const protocol of [4, 5] as const) {
  describeIfBinary('mosquitto', `runtime: mosquitto (MQTT ${protocol === 4 ? '3.1.1' : '5'})`, () => {
    defineServiceBehaviour(async () => {
      const server = await startMosquitto();
      return {
        createBus: (options) => createBus(`${server.url}?protocol=${protocol}`, options),
        restartServer: () => server.restart(),
        stop: () => server.stop(),
      };
    });
  });
}

describeIfBinary('redis-server', 'runtime: Redis', () => {
  defineServiceBehaviour(async () => {
    const server = await startRedis();
    return {
      createBus: (options) => createBus(server.url, options),
      restartServer: () => server.restart(),
      stop: () => server.stop(),
    };
  });
});

describeIfBinary('nats-server', 'runtime: NATS JetStream', () => {
  defineServiceBehaviour(async () => {
    // Without persistence, as the other brokers here: a restart forgets the buckets.
    const server = await startNatsServer({ persistent: false });
    return {
      createBus: (options) => createBus(server.url, options),
      restartServer: () => server.restart(),
      stop: () => server.stop(),
    };
  });
});
