/**
 * The read-only HTTP API of `chinook inspect` against the reference system's generated code on
 * a memory bus: what the services publish shows up, shapes hold, states pass the generated
 * validators, access is checked, and the inspector itself never publishes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { system, type Power } from '../../../generated/index.js';
import { createEventStream } from '../../../src/cli/inspect/event-stream.js';
import { eventually, startHarness, type Harness } from './server-harness.js';

const power = (gridImportW: number): Power => ({ gridImportW, solarW: 0, battery: { percent: 50, charging: false }, meters: [] });

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('GET /api/state, /api/state/:domain, /api/services', () => {
  it('lists every domain (never seen at first), then what the owners publish, with seq, epoch and a valid state', async () => {
    const h = (harness = await startHarness(system));
    const first = await h.get('/api/state');
    expect(first.status).toBe(200);
    expect(Object.keys(first.body.domains).sort()).toEqual(Object.keys(system.domains).sort());
    expect(first.body).toMatchObject({ protocol: 'chinook/1', system: 'home', prefix: 'chinook/home', connected: true });
    expect(Object.values(first.body.domains).every((d: any) => d.availability === 'missing' && d.seq === undefined)).toBe(true);

    await h.publishStatus('energy-service', 'online', 7);
    await h.publishState('power', power(400), 1, 7);
    await h.publishState('power', power(650), 2, 7);
    const detail = await eventually('power at seq 2', async () => {
      const r = await h.get('/api/state/power');
      return r.body.seq === 2 ? r.body : undefined;
    });
    expect(detail).toMatchObject({ name: 'power', owner: 'energy-service', availability: 'available', epoch: 7, seq: 2, updates: 2 });
    expect(system.domains.power.is(detail.state)).toBe(true);
    // Newest first, with what changed; the first one seen has nothing to compare with.
    expect(detail.history.map((e: any) => e.seq)).toEqual([2, 1]);
    expect(detail.history[0].changes).toEqual([{ path: '/gridImportW', kind: 'changed', before: 400, after: 650 }]);
    expect(detail.history[1].changes).toEqual([]);
    expect(detail.rates).toHaveLength(60);

    const whole = await h.get('/api/state');
    for (const [name, d] of Object.entries<any>(whole.body.domains)) {
      if (d.state !== undefined) expect(system.domains[name as keyof typeof system.domains].is(d.state)).toBe(true);
    }
    const services = await h.get('/api/services');
    expect(services.body.services['energy-service']).toMatchObject({ status: 'online', epoch: 7, owns: ['power', 'tariff'], waitsFor: [] });
    expect(typeof services.body.services['energy-service'].since).toBe('string');
    expect(services.body.services['climate-service']).toMatchObject({ status: 'unknown', waitsFor: ['power', 'tariff'], optional: ['presence'] });
  });

  it('marks an offline owner\'s domains stale', async () => {
    const h = (harness = await startHarness(system));
    await h.publishStatus('energy-service', 'online');
    await h.publishState('power', power(1), 1);
    await eventually('available', async () => (await h.get('/api/state/power')).body.availability === 'available');
    await h.publishStatus('energy-service', 'offline');
    await eventually('stale', async () => (await h.get('/api/state/power')).body.availability === 'stale');
    expect((await h.get('/api/services')).body.services['energy-service'].status).toBe('offline');
  });

  it('counts what it rejects (per topic and reason) and keeps only what passes the generated validator', async () => {
    const h = (harness = await startHarness(system));
    const spec = system.domains.power;
    const bad = { protocol: 'chinook/1', domain: 'power', owner: spec.owner, version: spec.version, epoch: 1, seq: 1, time: new Date().toISOString(), state: { gridImportW: 'lots' } };
    await h.publishRaw(spec.topic, JSON.stringify(bad));
    await h.publishRaw(spec.topic, 'not json');
    const rejections = await eventually('two rejections', async () => {
      const r = (await h.get('/api/rejections')).body.rejections;
      return r.length === 2 ? r : undefined;
    });
    expect(rejections.map((r: any) => [r.topic, r.reason, r.count])).toEqual([
      [spec.topic, 'not-json', 1],
      [spec.topic, 'schema-invalid', 1],
    ]);
    expect((await h.get('/api/state/power')).body.availability).toBe('missing');
  });

  it('answers an unknown domain with 404, anything but GET with 405, an unknown path with 404', async () => {
    const h = (harness = await startHarness(system));
    expect(await h.get('/api/state/nope')).toEqual({ status: 404, body: { error: { code: 'unknown-domain', message: '`nope` is not a domain of home' } } });
    expect((await h.get('/api/state', {}, 'POST')).status).toBe(405);
    expect((await h.get('/api/state', {}, 'DELETE')).status).toBe(405);
    expect((await h.get('/api/nothing')).body.error.code).toBe('not-found');
  });
});

describe('access', () => {
  it('with a token, /api/ needs `Authorization: Bearer <token>`; the page itself does not', async () => {
    const h = (harness = await startHarness(system, { token: 's3cret' }));
    expect((await h.get('/api/state')).status).toBe(401);
    expect((await h.get('/api/state', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await h.get('/api/events', { authorization: 'Bearer s3cre' })).status).toBe(401);
    expect((await h.get('/api/state', { authorization: 'Bearer s3cret' })).status).toBe(200);
    const page = await fetch(h.server.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>chinook inspect</title>');
  });

  it('bound to loopback, refuses requests addressed to another host name (DNS rebinding)', async () => {
    const h = (harness = await startHarness(system));
    const port = new URL(h.server.url).port;
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/api/state', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(421);
    expect((await h.get('/api/state', { host: `localhost:${port}` })).status).toBe(200);
  });
});

describe('GET /api/events', () => {
  it('sends `hello` with everything, then coalesced `domains` and `services` changes', async () => {
    const h = (harness = await startHarness(system));
    const controller = new AbortController();
    const res = await fetch(new URL('/api/events', h.server.url), { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: { event: string; data: any }[] = [];
    let buffer = '';
    const next = async (name: string): Promise<any> => {
      for (;;) {
        const found = events.findIndex((e) => e.event === name);
        if (found >= 0) return events.splice(found, 1)[0]!.data;
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${name}`);
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    };
    const hello = await next('hello');
    expect(Object.keys(hello.state.domains).sort()).toEqual(Object.keys(system.domains).sort());
    expect(Object.keys(hello.services.services).sort()).toEqual(Object.keys(system.services).sort());
    await h.publishStatus('energy-service', 'online');
    for (let seq = 1; seq <= 5; seq++) await h.publishState('power', power(seq), seq);
    const services = await next('services');
    expect(services.services.map((s: any) => [s.name, s.status])).toEqual([['energy-service', 'online']]);
    let last: any;
    while (last?.seq !== 5) last = (await next('domains')).domains.find((d: any) => d.name === 'power');
    expect(last.state).toEqual(power(5));
    controller.abort();
  });
});

describe('a client that does not read', () => {
  it('is dropped once too far behind, instead of the server buffering without end', async () => {
    const h = (harness = await startHarness(system));
    const fake = (backlog: number) => {
      const written: string[] = [];
      let destroyed = false;
      const res = {
        writableLength: backlog,
        writeHead: () => res,
        write: (text: string) => void written.push(text),
        on: () => res,
        end: () => undefined,
        destroy: () => void (destroyed = true),
      };
      return { res, written, destroyed: () => destroyed };
    };
    const stream = createEventStream(h.server.state, { flushMs: 10, maxBacklogBytes: 1000 });
    const slow = fake(5000);
    const fine = fake(0);
    stream.attach(slow.res as never);
    stream.attach(fine.res as never);
    await h.publishState('power', power(1), 1);
    await eventually('a batch sent', () => fine.written.some((t) => t.startsWith('event: domains')));
    expect(slow.destroyed()).toBe(true);
    expect(fine.destroyed()).toBe(false);
    expect(slow.written.some((t) => t.startsWith('event: domains'))).toBe(false);
    stream.close();
  });
});

describe('read-only', () => {
  it('never publishes: no status, no will, nothing retained', async () => {
    const h = (harness = await startHarness(system));
    const publish = vi.spyOn(h.observerBus, 'publish');
    await h.publishStatus('energy-service', 'online');
    await h.publishState('power', power(1), 1);
    await eventually('seen', async () => (await h.get('/api/state/power')).body.seq === 1);
    await h.get('/api/state');
    await h.get('/api/services');
    expect(publish).not.toHaveBeenCalled();
    expect(h.retainedTopics()).toEqual([system.domains.power.topic, system.services['energy-service'].statusTopic].sort());
  });
});
