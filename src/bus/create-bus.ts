/**
 * One entry point from a URL to a bus, so generated code and handlers never name an adapter:
 *
 * - `mqtt://[user:pass@]host[:port][?protocol=4|5]`, `mqtts://…` (TLS): the MQTT adapter (MQTT 5 or 3.1.1, negotiated without `?protocol=`);
 *   `protocol` picks MQTT 3.1.1 (4, the default) or MQTT 5.
 * - `redis://[user:pass@]host[:port][/db]`, `rediss://…` (TLS): the Redis adapter.
 * - `nats://[user:pass@]host[:port][,host[:port]…][?replicas=N]`: the NATS JetStream adapter
 *   (several servers of one cluster; `replicas` for the buckets it creates, default 1).
 * - `memory://[name]`: an in-process broker of that name (shared by every bus created with
 *   the same name in this process), for tests; `undefined` means `memory://`.
 *
 * Anything else is a BusError('bus-url-invalid').
 */
import { BusError, type Bus, type BusOptions } from './bus.js';
import { createMemoryBus, getNamedMemoryBroker } from './memory.js';
import { createMqttBus, type MqttBusOptions } from './mqtt.js';
import { createNatsBus } from './nats.js';
import { createRedisBus, type RedisBusOptions } from './redis.js';
import { redactUrl } from './url.js';

export type CreateBusOptions = BusOptions & Omit<MqttBusOptions, keyof BusOptions> & Omit<RedisBusOptions, keyof BusOptions>;

export function createBus(url: string | undefined, options: CreateBusOptions): Bus {
  if (url === undefined) return createMemoryBus(getNamedMemoryBroker(''), options);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'mqtt':
    case 'mqtts':
      return createMqttBus(url, options);
    case 'redis':
    case 'rediss':
      return createRedisBus(url, options);
    case 'nats':
      return createNatsBus(url, options);
    case 'memory':
      return createMemoryBus(getNamedMemoryBroker(decodeURIComponent(url.slice('memory://'.length).replace(/\/+$/, ''))), options);
    default:
      throw new BusError(
        `unsupported bus URL \`${redactUrl(url)}\`: use mqtt://host:port, mqtts://, redis://host:port, rediss://, nats://host:port or memory://name`,
        'bus-url-invalid',
      );
  }
}
