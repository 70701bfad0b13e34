/**
 * The live console fits the terminal it is drawn in (width and height), keeps its header
 * whole and on top, shows its own bus connection, and never shows a dead process online.
 */
import { describe, expect, it } from 'vitest';
import { renderConsole, type ConsoleSnapshot, type DomainRow, type ServiceRow } from '../../src/cli/run/render-console.js';
import { buildSnapshot } from '../../src/cli/run/run-console.js';
import type { SystemObserver } from '../../src/cli/run/observe-system.js';
import type { SystemSpec } from '../../src/runtime/contract.js';

const service = (name: string, owns: string[], waitsFor: string[] = [], status: ServiceRow['status'] = 'online', pid = 5000): ServiceRow => ({ name, status, pid, owns, waitsFor });
const domain = (name: string, owner: string, availability: DomainRow['availability'] = 'available', summary = 'rooms[4] mode=auto'): DomainRow => ({ name, owner, availability, seq: 7, ageMs: 850, summary });

/** The reference system as `npm start` shows it. */
const HOME: ConsoleSnapshot = {
  system: 'home',
  busUrl: 'mqtt://127.0.0.1:45081',
  connection: { state: 'connected' },
  services: [
    service('climate-service', ['climate'], ['power', 'tariff']),
    service('energy-service', ['power', 'tariff']),
    service('lighting-service', ['lighting'], ['presence']),
    service('presence-service', ['presence']),
    service('security-service', ['security'], ['presence']),
  ],
  domains: ['climate', 'lighting', 'power', 'presence', 'security', 'tariff'].map((d) =>
    domain(d, `${d}-service`, 'available', 'gridImportW=374 solarW=0 battery={percent=58 charging=false} meters[3] and a long tail of text'),
  ),
  events: Array.from({ length: 8 }, (_, i) => `17:15:2${i} climate-service: waiting for power, tariff (event ${i}) and some more words to make it long`),
  rejected: 0,
};

const visible = (text: string): string[] => text.split('\n');

function expectFits(text: string, width: number, height: number): void {
  const lines = visible(text);
  expect(lines.length).toBeLessThanOrEqual(height);
  for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(width);
}

describe('the live console', () => {
  it('80×24: the reference system fits, header first and whole', () => {
    const text = renderConsole(HOME, { color: false, width: 80, height: 24 });
    expectFits(text, 80, 24);
    const [first] = visible(text);
    expect(first).toBe('chinook home · on mqtt://127.0.0.1:45081 ● connected · 5/5 services online');
    expect(visible(text)[1]).toBe('6/6 domains available');
    // Every service and domain still has its row.
    for (const s of HOME.services) expect(text).toContain(s.name);
    expect(text).toMatch(/SERVICE +STATUS/);
    expect(text).toMatch(/DOMAIN +STATE/);
  });

  it('without a height limit it draws the full view (footer and every event)', () => {
    const text = renderConsole(HOME, { color: false, width: 120 });
    expect(text).toContain('Ctrl-C stops everything');
    expect(visible(text).filter((l) => l.includes('(event ')).length).toBe(8);
  });

  it('a system larger than the terminal collapses healthy rows into summaries; problems stay listed', () => {
    const services = Array.from({ length: 30 }, (_, i) => service(`svc-${String(i).padStart(2, '0')}`, [`d${i}`], [], i === 7 ? 'exited' : 'online'));
    const domains = Array.from({ length: 30 }, (_, i) => domain(`d${i}`, `svc-${i}`, i === 7 ? 'stale' : 'available'));
    const big: ConsoleSnapshot = { ...HOME, services: [...services.slice(0, 7), { ...services[7]!, exit: 'killed by SIGKILL' }, ...services.slice(8)], domains };
    const text = renderConsole(big, { color: false, width: 80, height: 24 });
    expectFits(text, 80, 24);
    expect(text).toMatch(/^ {2}svc-07 +✕ exited +5000 +d7 +\(killed by SIGKILL\)$/m);
    // Nothing wrong at all: the summary says "all".
    expect(renderConsole({ ...HOME, services }, { color: false, width: 80, height: 12 })).not.toMatch(/all \d+ online/);
    expect(renderConsole({ ...HOME, services: services.filter((_, i) => i !== 7) }, { color: false, width: 80, height: 24 })).toMatch(/^ {2}all 29 online: svc-00/m);
    expect(text).toMatch(/^ {2}29 more online: svc-00, svc-01, .*…$/m);
    expect(text).toMatch(/^ {2}d7 +stale/m);
    expect(text).toMatch(/^ {2}29 more available: d0, d1,/m);
    expect(visible(text)[0]).toMatch(/^chinook home/);
  });

  it('a narrow terminal: header parts move to the next line, never split inside a word', () => {
    const text = renderConsole(HOME, { color: false, width: 40, height: 24 });
    expectFits(text, 40, 24);
    const header = visible(text).slice(0, 4);
    expect(header).toEqual(['chinook home', 'on mqtt://127.0.0.1:45081 ● connected', '5/5 services online', '6/6 domains available']);
  });

  it('a tiny terminal still gets the header first, and never more lines than it has', () => {
    const text = renderConsole(HOME, { color: true, width: 30, height: 3 });
    const plain = text.replace(/\x1b\[\d+m/g, '');
    expectFits(plain, 30, 3);
    expect(plain.split('\n')[0]).toBe('chinook home');
  });

  it('shows the console\'s own connection: disconnected, for how long, and why', () => {
    const down: ConsoleSnapshot = { ...HOME, connection: { state: 'disconnected', sinceMs: 4200, reason: 'connection refused' }, services: HOME.services.map((s) => ({ ...s, status: 'unknown' })) };
    const text = renderConsole(down, { color: false, width: 200, height: 24 });
    expect(visible(text)[0]).toContain('○ disconnected 4.2s (connection refused): statuses unknown');
    expect(text).toContain('0/5 services online');
    expect(text).toMatch(/climate-service +\? unknown/);
  });
});

describe('buildSnapshot: what each service is shown as', () => {
  const spec = {
    protocol: 'chinook/1',
    system: 'home',
    prefix: 'chinook/home',
    domains: { presence: { name: 'presence', owner: 'presence-service' } },
    services: { 'presence-service': { name: 'presence-service', owns: ['presence'], waitsFor: [], optional: [] } },
  } as unknown as SystemSpec;
  const observer = (status: 'online' | 'offline' | undefined): SystemObserver => ({
    domain: () => undefined,
    availability: () => 'available',
    status: () => status,
    rejected: 0,
  });
  const run = { project: { system: spec, services: {} }, names: ['presence-service'], url: 'redis://:secret@127.0.0.1:6379' };
  const statusOf = (snapshot: ConsoleSnapshot): string => snapshot.services[0]!.status;

  it('a process that exited is `exited`, even while its retained status still says online (its will not yet fired)', () => {
    const snapshot = buildSnapshot(run, observer('online'), new Map([['presence-service', { pid: 1, exit: 'killed by SIGKILL' }]]), { state: 'connected' }, []);
    expect(statusOf(snapshot)).toBe('exited');
    expect(snapshot.services[0]!.exit).toBe('killed by SIGKILL');
  });

  it('with the console\'s bus down, a living process is `unknown`, not online; an exited one stays exited', () => {
    const down = { state: 'disconnected', sinceMs: 10 } as const;
    expect(statusOf(buildSnapshot(run, observer('online'), new Map([['presence-service', { pid: 1 }]]), down, []))).toBe('unknown');
    expect(statusOf(buildSnapshot(run, observer('online'), new Map([['presence-service', { pid: 1, exit: 'stopped' }]]), down, []))).toBe('exited');
  });

  it('connected and alive: the status on the bus; never seen yet: starting; the URL without its password', () => {
    const procs = new Map([['presence-service', { pid: 1 }]]);
    expect(statusOf(buildSnapshot(run, observer('online'), procs, { state: 'connected' }, []))).toBe('online');
    const fresh = buildSnapshot(run, observer(undefined), procs, { state: 'connected' }, []);
    expect(statusOf(fresh)).toBe('starting');
    expect(fresh.busUrl).not.toContain('secret');
  });
});

describe('the live console when nothing is healthy yet', () => {
  const starting: ConsoleSnapshot = {
    ...HOME,
    services: HOME.services.map((s) => ({ ...s, status: 'starting' })),
    domains: HOME.domains.map((d) => ({ name: d.name, owner: d.owner, availability: 'missing' })),
  };

  it('60×14 with every row a problem: each table gets its share, the rest counted; no trailing blanks, even in colour', () => {
    const text = renderConsole(starting, { color: true, width: 60, height: 14 });
    const plain = text.replace(/\x1b\[\d+m/g, '');
    expectFits(plain, 60, 14);
    expect(plain).toMatch(/^ {2}… \d+ more$/m);
    expect(plain).toMatch(/DOMAIN/);
    expect(plain).toMatch(/^ {2}climate-service +◌ starting +5000/m);
    for (const line of text.split('\n')) expect(line.replace(/\x1b\[\d+m/g, '')).toBe(line.replace(/\x1b\[\d+m/g, '').trimEnd());
    expect(text).not.toMatch(/ \x1b\[\d+m\x1b\[\d+m$/m);
  });

  it('the status column is wide enough for its longest word', () => {
    const text = renderConsole(starting, { color: false, width: 120 });
    const title = visible(text).find((l) => l.includes('STATUS'))!;
    const row = visible(text).find((l) => l.includes('climate-service'))!;
    expect(row.indexOf('5000')).toBe(title.indexOf('PID'));
  });
});
