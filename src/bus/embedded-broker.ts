/**
 * The embedded MQTT 3.1.1 broker (aedes 1.x, in memory), so `chinook run` needs nothing
 * installed and `chinook broker` can serve other clients. aedes keeps retained messages
 * and wills, and enforces each client's keepalive (1.5 × keepalive, as MQTT says).
 * It does not speak MQTT 5: clients use protocol 4 against it.
 */
import net from 'node:net';
import { createAedesAccessHooks, type BrokerAccess } from './broker-access.js';

export interface EmbeddedBroker {
  /** `mqtt://host:port` */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Stops accepting, drops every client and frees the port. */
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Default `127.0.0.1`: not reachable from other machines unless asked for. */
  readonly host?: string;
  /**
   * Identities and their rights: when given, only they may connect, each publishing and
   * subscribing within its rights (src/bus/broker-access.ts). Absent: anyone may do anything.
   */
  readonly access?: BrokerAccess;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  // Loaded on first use: importing chinook-ipc/runtime must not pay for the broker.
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker(options.access ? (createAedesAccessHooks(options.access) as never) : {});
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    // Nagle + delayed ACK would hold back small QoS 1 publishes and their PUBACKs.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  // A misbehaving client is the client's problem, never the broker process's.
  aedes.on('clientError', () => {});
  aedes.on('connectionError', () => {});

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw error;
  }
  const address = server.address() as net.AddressInfo;
  const urlHost = address.address.includes(':') ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `mqtt://${urlHost}:${address.port}`,
    port: address.port,
    host: address.address,
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await serverClosed;
      })();
      return closing;
    },
  };
}
