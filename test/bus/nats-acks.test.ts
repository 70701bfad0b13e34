/** The acknowledgement matcher of the NATS adapter's retained publishes, on a real nats-server. */
import { connect, createInbox, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAckRequests } from '../../src/bus/nats-acks.js';
import { describeIfBinary, startNatsServer, type ExternalBroker } from '../support/brokers.js';

describeIfBinary('nats-server', 'NATS acknowledgements matched by reply subject', () => {
  let server: ExternalBroker;
  let nc: NatsConnection;
  let responder: NatsConnection;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false });
    [nc, responder] = await Promise.all([connect({ servers: server.url }), connect({ servers: server.url })]);
    responder.subscribe('acks.echo', { callback: (_e, msg) => void msg.respond(new TextEncoder().encode(`ack:${new TextDecoder().decode(msg.data)}`)) });
    responder.subscribe('acks.silent', { callback: () => {} });
    await responder.flush();
  });
  afterAll(async () => {
    await Promise.allSettled([nc?.close(), responder?.close()]);
    await server?.stop();
  });

  it('hands each publish its own reply, many at once', async () => {
    const acks = createAckRequests(nc, createInbox());
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => acks.request('acks.echo', new TextEncoder().encode(String(i)), 5_000)));
    expect(replies.map((r) => new TextDecoder().decode(r.data))).toEqual(Array.from({ length: 200 }, (_, i) => `ack:${i}`));
    acks.close();
  });

  it('says `no responders` when nothing listens on the subject (the stream is missing)', async () => {
    const acks = createAckRequests(nc, createInbox());
    await expect(acks.request('acks.nobody', new Uint8Array(1), 5_000)).rejects.toThrow(/no responders/);
    acks.close();
  });

  it('fails a publish nobody answers after its timeout, and what is pending when closed', async () => {
    const acks = createAckRequests(nc, createInbox());
    const started = Date.now();
    await expect(acks.request('acks.silent', new Uint8Array(1), 300)).rejects.toThrow(/timeout/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    const pending = acks.request('acks.silent', new Uint8Array(1), 60_000);
    acks.close();
    await expect(pending).rejects.toThrow(/closed/);
  });
});
