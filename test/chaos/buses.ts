/**
 * The buses the chaos scenarios run on, each a real broker on a free port that a scenario
 * can restart: the embedded aedes broker (this process), mosquitto and redis-server
 * (child processes).
 */
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/index.js';
import { hasBinary, startMosquitto, startRedis, type ExternalBroker } from '../support/brokers.js';

export type ChaosBusKind = 'aedes' | 'mosquitto' | 'redis';

export interface ChaosBus {
  readonly kind: ChaosBusKind;
  /** What the table says, e.g. `mosquitto (persistence)`. */
  readonly label: string;
  readonly url: string;
  /** Stop the broker and start it again on the same port; retained state survives only with persistence. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface ChaosBusOptions {
  /** mosquitto only: keep retained messages across a restart. */
  readonly persistence?: boolean;
  /** mosquitto only: extra configuration lines (e.g. small queue limits). */
  readonly config?: readonly string[];
}

/** The binary a bus kind needs (undefined: none, it is embedded). */
export function binaryOf(kind: ChaosBusKind): string | undefined {
  return kind === 'mosquitto' ? 'mosquitto' : kind === 'redis' ? 'redis-server' : undefined;
}

export function isAvailable(kind: ChaosBusKind): boolean {
  const binary = binaryOf(kind);
  return binary === undefined || hasBinary(binary);
}

async function startAedes(): Promise<ChaosBus> {
  let broker: EmbeddedBroker = await startEmbeddedBroker();
  const port = broker.port;
  return {
    kind: 'aedes',
    label: 'aedes (embedded)',
    url: broker.url,
    async restart() {
      await broker.close();
      broker = await startEmbeddedBroker({ port });
    },
    close: () => broker.close(),
  };
}

function fromExternal(kind: ChaosBusKind, label: string, broker: ExternalBroker): ChaosBus {
  return { kind, label, url: broker.url, restart: () => broker.restart(), close: () => broker.stop() };
}

export async function startChaosBus(kind: ChaosBusKind, options: ChaosBusOptions = {}): Promise<ChaosBus> {
  switch (kind) {
    case 'aedes':
      return startAedes();
    case 'mosquitto': {
      const label = options.persistence ? 'mosquitto (persistence)' : options.config?.length ? 'mosquitto (small queues)' : 'mosquitto';
      return fromExternal(kind, label, await startMosquitto({ persistence: options.persistence ?? false, extraConfig: options.config ?? [] }));
    }
    case 'redis':
      return fromExternal(kind, 'redis', await startRedis());
  }
}
