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

export function createEventStream(state: InspectState, options: EventStreamOptions = {}): EventStream {
  const clients = new Set<ServerResponse>();
  const maxBacklog = options.maxBacklogBytes ?? 8 * 1024 * 1024;
  const dirtyDomains = new Set<string>();
  const dirtyServices = new Set<string>();
  let dirtyRejections = false;
  let connected = true;

  const send = (text: string): void => {
    for (const res of clients) {
      if (res.writableLength > maxBacklog) {
        clients.delete(res);
        res.destroy();
      } else res.write(text);
    }
  };
  const unsubscribe = state.onChange((change) => {
    if (change.type === 'domain') dirtyDomains.add(change.name);
    else if (change.type === 'service') dirtyServices.add(change.name);
    else dirtyRejections = true;
  });
  const flush = (): void => {
    const at = Date.now();
    if (clients.size === 0) {
      dirtyDomains.clear();
      dirtyServices.clear();
      dirtyRejections = false;
      return;
    }
    if (dirtyServices.size > 0) send(frame('services', { at, services: [...dirtyServices].sort().map(state.serviceView) }));
    if (dirtyDomains.size > 0) send(frame('domains', { at, domains: [...dirtyDomains].sort().map(state.domainView) }));
    if (dirtyRejections) send(frame('rejections', { at, rejections: state.rejections() }));
    dirtyDomains.clear();
    dirtyServices.clear();
    dirtyRejections = false;
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
      unsubscribe();
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}
