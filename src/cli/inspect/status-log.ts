/** Per service: the epoch of its last status message and since when its status holds. */
import type { StatusMessage } from '../../runtime/envelope.js';

export interface StatusLog {
  record(message: StatusMessage): void;
  get(service: string): { readonly epoch: number; readonly since: string } | undefined;
}

export function createStatusLog(): StatusLog {
  const entries = new Map<string, { status: string; epoch: number; since: string }>();
  return {
    record(message) {
      const last = entries.get(message.service);
      // `since` moves only when the status or the instance (epoch) changes, not on a repeat.
      const changed = last === undefined || last.status !== message.status || last.epoch !== message.epoch;
      entries.set(message.service, { status: message.status, epoch: message.epoch, since: changed ? message.time : last.since });
    },
    get: (service) => entries.get(service),
  };
}
