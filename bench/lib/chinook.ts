/**
 * The typed side of every comparison: Chinook services built with `createService` on the
 * bus chosen by URL (`createBus`, the same entry point `chinook run` uses).
 */
import { createBus } from '../../src/bus/create-bus.js';
import type { BusOptions } from '../../src/bus/bus.js';
import type { RuntimeLogEvent, ServiceHandler, ServiceInstance, ServiceTypes, SystemSpec } from '../../src/runtime/contract.js';
import { createService } from '../../src/runtime/service.js';
import { trackCloser, withTimeout } from './processes.js';

export interface ChinookServiceOptions {
  readonly keepaliveSeconds?: number;
  readonly dependencyTimeoutMs?: number;
  /** Default true: a service stopped by the harness closes cleanly. */
  readonly track?: boolean;
}

/** Runtime reports seen during the run: a rejection in a benchmark means something is wrong, so it is shown. */
const reported = new Set<string>();
function logRuntimeEvent(event: RuntimeLogEvent): void {
  if (event.type === 'lifecycle') return;
  const key = event.type === 'rejected' ? `${event.reason}:${event.domain ?? event.topic}` : `${event.type}:${event.service}`;
  if (reported.has(key)) return;
  reported.add(key);
  const detail = event.type === 'rejected' ? `${event.reason} on ${event.topic}: ${event.detail}` : `${event.callback}: ${String(event.error)}`;
  process.stderr.write(`bench: runtime reported ${event.type} ${detail}\n`);
}

export type LooseTypes = ServiceTypes & {
  readonly state: { readonly [domain: string]: unknown };
  readonly owned: string;
  readonly required: string;
  readonly watched: string;
};

/** Creates and starts a service; it is stopped at the end of the run if the caller forgets. */
export async function startChinookService<T extends ServiceTypes = LooseTypes>(
  system: SystemSpec,
  service: string,
  handler: ServiceHandler<T>,
  url: string,
  options: ChinookServiceOptions = {},
): Promise<ServiceInstance<T>> {
  const bus = (busOptions: BusOptions) =>
    createBus(url, {
      ...busOptions,
      ...(options.keepaliveSeconds !== undefined ? { keepaliveSeconds: options.keepaliveSeconds } : {}),
      connectTimeoutMs: 5_000,
    });
  const instance = createService<T>(system, service, handler, {
    bus,
    dependencyTimeoutMs: options.dependencyTimeoutMs ?? 60_000,
    log: logRuntimeEvent,
  });
  const untrack = options.track === false ? undefined : trackCloser(() => instance.stop());
  try {
    await withTimeout(instance.start(), (options.dependencyTimeoutMs ?? 60_000) + 5_000, `service ${service} to start`);
  } catch (error) {
    await untrack?.();
    throw error;
  }
  return instance;
}

/** Stops services (bounded), ignoring errors: the measurement is over. */
export async function stopAll(instances: readonly { stop(): Promise<void> }[]): Promise<void> {
  await withTimeout(
    Promise.allSettled(instances.map((i) => i.stop())),
    5_000,
    'services to stop',
  ).catch(() => undefined);
}
