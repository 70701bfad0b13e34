/**
 * `/api/events`: Server-Sent Events to every open page or client. Changes are coalesced:
 * a domain updated 10 times between two flushes is sent once, as its latest view, so the
 * stream's rate is bounded by the flush period, not by the bus's.
 */
import type { ServerResponse } from 'node:http';
import type { InspectEvents } from './api-types.js';
import type { InspectState } from './inspect-state.js';

export interface EventStream {
  /** Takes over a response: headers, the `hello` event, then every change until it closes. */
  attach(res: ServerResponse): void;
  setConnected(connected: boolean, reason?: string): void;
  readonly connected: boolean;
  readonly clients: number;
  close(): void;
}

export interface EventStreamOptions {
  /** How often changes are flushed (default 200 ms). */
  readonly flushMs?: number;
  /** How often rates are rolled and sent (default 1000 ms). */
  readonly rateMs?: number;
  /** A client this far behind (bytes its socket has not taken) is dropped (default 8 MiB); it reconnects to a fresh `hello`. */
  readonly maxBacklogBytes?: number;
}

const KEEPALIVE_MS = 15_000;

function frame<K extends keyof InspectEvents>(event: K, data: InspectEvents[K]): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * What changed since the last flush, each domain and service once: `take` hands back the
 * frames for it (their latest views) and forgets it.
 */
function collectChanges(state: InspectState): { take(at: number): string[]; clear(): void; dispose(): void } {
  const domains = new Set<string>();
  const services = new Set<string>();
  let rejections = false;
  const clear = (): void => {
    domains.clear();
    services.clear();
    rejections = false;
  };
  const dispose = state.onChange((change) => {
    if (change.type === 'domain') domains.add(change.name);
    else if (change.type === 'service') services.add(change.name);
    else rejections = true;
  });
  return {
    take(at) {
      const frames: string[] = [];
      if (services.size > 0) frames.push(frame('services', { at, services: [...services].sort().map(state.serviceView) }));
      if (domains.size > 0) frames.push(frame('domains', { at, domains: [...domains].sort().map(state.domainView) }));
      if (rejections) frames.push(frame('rejections', { at, rejections: state.rejections() }));
      clear();
      return frames;
    },
    clear,
    dispose,
  };
}

/** Writes to every client; one whose socket is `maxBacklog` bytes behind is dropped instead. */
function broadcaster(clients: Set<ServerResponse>, maxBacklog: number): (text: string) => void {
  return (text) => {
    for (const res of clients) {
      if (res.writableLength > maxBacklog) {
        clients.delete(res);
        res.destroy();
      } else res.write(text);
    }
  };
}

export function createEventStream(state: InspectState, options: EventStreamOptions = {}): EventStream {
  const clients = new Set<ServerResponse>();
  const send = broadcaster(clients, options.maxBacklogBytes ?? 8 * 1024 * 1024);
  const changes = collectChanges(state);
  let connected = true;

  const flush = (): void => {
    const at = Date.now();
    if (clients.size === 0) changes.clear();
    else for (const text of changes.take(at)) send(text);
  };
  const flushTimer = setInterval(flush, options.flushMs ?? 200);
  // The meter rolls whether anyone watches or not: a page opened later gets the last minute.
  const rateTimer = setInterval(() => {
    const counts = state.rates.roll();
    if (clients.size > 0) send(frame('rates', { at: Date.now(), counts }));
  }, options.rateMs ?? 1000);
  const keepaliveTimer = setInterval(() => send(': keepalive\n\n'), KEEPALIVE_MS);
  for (const t of [flushTimer, rateTimer, keepaliveTimer]) t.unref();

  return {
    attach(res) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': chinook inspect\n\n');
      res.write(frame('hello', { state: state.state(connected), services: state.services(), rates: state.rates.all(), rejections: state.rejections() }));
      clients.add(res);
      res.on('close', () => clients.delete(res));
    },
    setConnected(next, reason) {
      connected = next;
      send(frame('connection', { at: Date.now(), connected: next, ...(reason !== undefined ? { reason } : {}) }));
    },
    get connected() {
      return connected;
    },
    get clients() {
      return clients.size;
    },
    close() {
      clearInterval(flushTimer);
      clearInterval(rateTimer);
      clearInterval(keepaliveTimer);
      changes.dispose();
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}
