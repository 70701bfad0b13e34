/**
 * `chinook inspect` without the command line: observe a system on a connected bus and serve
 * the page and the API. Tests start it in-process with any system and bus.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bus } from '../../bus/bus.js';
import type { SystemSpec } from '../../runtime/contract.js';
import type { GraphResponse } from './api-types.js';
import { createAccessCheck, isLoopbackHost } from './auth.js';
import { createEventStream, type EventStreamOptions } from './event-stream.js';
import { createInspectState, type InspectState } from './inspect-state.js';
import { handleRequest } from './routes.js';
import { loadStaticPage } from './static-page.js';

export interface InspectServerOptions extends EventStreamOptions {
  /** Connected already; the server observes it and never publishes. */
  readonly bus: Bus;
  readonly system: SystemSpec;
  readonly graph: GraphResponse;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly token?: string;
  readonly historySize?: number;
}

export interface InspectServer {
  /** `http://host:port/` */
  readonly url: string;
  readonly state: InspectState;
  close(): Promise<void>;
}

export async function startInspectServer(options: InspectServerOptions): Promise<InspectServer> {
  const host = options.host ?? '127.0.0.1';
  const page = await loadStaticPage();
  const state = await createInspectState(options.bus, options.system, options.historySize === undefined ? {} : { historySize: options.historySize });
  const events = createEventStream(state, options);
  const stopWatchingBus = options.bus.onEvent((event) => {
    if (event.type === 'connect') events.setConnected(true);
    else if (event.type === 'disconnect') events.setConnected(false, event.reason);
  });
  const access = createAccessCheck({ ...(options.token === undefined ? {} : { token: options.token }), loopbackOnly: isLoopbackHost(host) });
  const ctx = { state, events, graph: options.graph, page, access };
  const server: Server = createServer((req, res) => {
    try {
      handleRequest(ctx, req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code: 'internal', message: (error as Error).message } }));
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    events.close();
    stopWatchingBus();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    state,
    async close() {
      events.close();
      stopWatchingBus();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
