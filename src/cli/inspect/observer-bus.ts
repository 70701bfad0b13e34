/**
 * The inspector's connection: no will and no status, so it leaves no trace on the bus — on
 * Redis that means no liveness keys (`$chinook/alive/…`, `$chinook/will/…` exist only for a
 * client with a will). Like every Redis client of the bus it still takes part in the will
 * emulation (it may fire the will of a client whose liveness key expired); under a read-only
 * ACL those writes fail quietly and it still sees everything.
 */
import type { Bus } from '../../bus/bus.js';
import { createBus } from '../../bus/create-bus.js';

export function createObserverBus(url: string): Bus {
  return createBus(url, { clientId: `chinook-inspect-${process.pid}-${Math.random().toString(36).slice(2, 8)}` });
}
