/// <reference lib="dom" />
/**
 * The page under load: 1,000 domains each updated 10 times a second (10,000 envelopes/s on a
 * memory bus, the inspector in this process), measured with the page's own timing: the work
 * of each animation frame that applies events (performance.now), long tasks
 * (PerformanceObserver), and how late a 50 ms timer fires (the page's input latency).
 * Prints the figures (docs/cli.md quotes them); asserts only that the page kept up and never
 * froze — the bounds are hang detectors, not speed targets.
 */
import type { Browser } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { createBus } from '../../src/bus/create-bus.js';
import { graphFromSystem } from '../../src/cli/inspect/system-graph.js';
import { startInspectServer, type InspectServer } from '../../src/cli/inspect/inspect-server.js';
import type { DomainSpec, ServiceSpec, SystemSpec } from '../../src/runtime/contract.js';
import { describeIfBinary } from '../support/brokers.js';
import { CHROMIUM_BINARY, launchChromium } from '../support/chromium.js';

const DOMAIN_COUNT = 1000;
const SERVICE_COUNT = 20;
const RATE_HZ = 10;
const LOAD_MS = 6000;

function syntheticSystem(): SystemSpec {
  const prefix = 'chinook/perf';
  const domains: Record<string, DomainSpec> = {};
  const services: Record<string, ServiceSpec> = {};
  for (let s = 0; s < SERVICE_COUNT; s++) {
    const name = `service-${String(s).padStart(2, '0')}`;
    const owns: string[] = [];
    for (let i = s; i < DOMAIN_COUNT; i += SERVICE_COUNT) owns.push(`domain-${String(i).padStart(4, '0')}`);
    owns.sort();
    for (const d of owns) {
      domains[d] = { name: d, owner: name, version: 1, topic: `${prefix}/state/${d}`, is: (v): v is unknown => typeof v === 'object' && v !== null, explain: () => [] };
    }
    // Four providers; every other service waits for one domain of one of them.
    const waitsFor = s >= 4 ? [`domain-${String(s % 4).padStart(4, '0')}`] : [];
    services[name] = { name, statusTopic: `${prefix}/status/${name}`, owns, waitsFor, optional: [] };
  }
  return { protocol: 'chinook/1', system: 'perf', prefix, domains, services };
}

/** What the page measures about itself (web/inspect.js, `window.__inspectTiming`). */
interface PageTiming {
  events: number;
  domainUpdates: number;
  frames: number;
  maxFrameWorkMs: number;
  totalFrameWorkMs: number;
  longTasks: number;
  maxLongTaskMs: number;
}

let browser: Browser | undefined;
let server: InspectServer | undefined;
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describeIfBinary(CHROMIUM_BINARY, 'chinook inspect under load', () => {
  it(`stays responsive with ${DOMAIN_COUNT} domains updating ${RATE_HZ} times a second`, async () => {
    const system = syntheticSystem();
    const names = Object.keys(system.domains);
    const url = `memory://inspect-perf-${process.pid}`;
    const publisher = createBus(url, { clientId: 'perf-publisher' });
    await publisher.connect();
    const observer = createBus(url, { clientId: 'perf-inspector' });
    await observer.connect();
    server = await startInspectServer({ bus: observer, system, graph: graphFromSystem(system), port: 0 });

    let seq = 0;
    const time = new Date().toISOString();
    const publishRound = async (): Promise<void> => {
      seq++;
      await Promise.all(
        names.map((domain, i) => {
          const spec = system.domains[domain]!;
          const state = { value: (seq * 7 + i) % 1000, label: `round ${seq}`, items: [seq, i, seq % 3 === 0] };
          const body = { protocol: 'chinook/1', domain, owner: spec.owner, version: 1, epoch: 1, seq, time, state };
          return publisher.publish(spec.topic, Buffer.from(JSON.stringify(body)), { retain: true });
        }),
      );
    };
    await publishRound();

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(server.url);
    await page.waitForFunction((n) => document.querySelectorAll('.domain[data-availability="available"]').length === n, DOMAIN_COUNT, { timeout: 60_000 });
    // A user looking at the middle of the list.
    await page.locator('.domain[data-domain="domain-0500"]').scrollIntoViewIfNeeded();
    // Measure the load alone: reset the page's counters, start a lag probe.
    await page.evaluate(() => {
      const t = (window as unknown as { __inspectTiming: Record<string, number> }).__inspectTiming;
      for (const key of Object.keys(t)) t[key] = 0;
      const probe = { maxLateMs: 0, samples: 0, late: [] as number[] };
      (window as unknown as { __probe: typeof probe }).__probe = probe;
      let expected = performance.now() + 50;
      setInterval(() => {
        const now = performance.now();
        const late = Math.max(0, now - expected);
        probe.late.push(late);
        probe.samples++;
        probe.maxLateMs = Math.max(probe.maxLateMs, late);
        expected = now + 50;
      }, 50);
    });

    const started = Date.now();
    let rounds = 0;
    let publishingLateMs = 0;
    while (Date.now() - started < LOAD_MS) {
      const roundStart = Date.now();
      await publishRound();
      rounds++;
      const wait = 1000 / RATE_HZ - (Date.now() - roundStart);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else publishingLateMs += -wait;
    }
    const elapsedS = (Date.now() - started) / 1000;
    const shows = ([domain, s]: [string, number]): boolean => Number(document.querySelector(`.domain[data-domain="${domain}"] .c-seq`)?.textContent) === s;
    await page.waitForFunction(shows, ['domain-0500', seq] as [string, number], { timeout: 30_000 });

    const measured = await page.evaluate(() => {
      const w = window as unknown as { __inspectTiming: PageTiming; __probe: { maxLateMs: number; samples: number; late: number[] } };
      const late = [...w.__probe.late].sort((a, b) => a - b);
      return { ...w.__inspectTiming, probeMaxLateMs: w.__probe.maxLateMs, probeP95LateMs: late[Math.floor(late.length * 0.95)] ?? 0, probeSamples: w.__probe.samples };
    });
    const figures = {
      domains: DOMAIN_COUNT,
      envelopesPerSecond: Math.round((rounds * DOMAIN_COUNT) / elapsedS),
      publisherFellBehindMs: Math.round(publishingLateMs),
      pageFrames: measured.frames,
      pageEvents: measured.events,
      domainRowsUpdated: measured.domainUpdates,
      frameWorkAvgMs: +(measured.totalFrameWorkMs / Math.max(1, measured.frames)).toFixed(2),
      frameWorkMaxMs: +measured.maxFrameWorkMs.toFixed(1),
      longTasks: measured.longTasks,
      longTaskMaxMs: +measured.maxLongTaskMs.toFixed(1),
      timer50msLateP95Ms: +measured.probeP95LateMs.toFixed(1),
      timer50msLateMaxMs: +measured.probeMaxLateMs.toFixed(1),
    };
    console.log(`inspect performance: ${JSON.stringify(figures)}`);

    // A row scrolled into view shows its latest state at once.
    await page.locator('.domain[data-domain="domain-0999"]').scrollIntoViewIfNeeded();
    await page.waitForFunction(shows, ['domain-0999', seq] as [string, number], { timeout: 10_000 });
    // The page kept up: it saw (coalesced) updates all along and ends at the last round.
    expect(measured.domainUpdates).toBeGreaterThan(DOMAIN_COUNT * 5);
    // Hang detectors: a frozen page (one frame or timer seconds late) fails.
    expect(measured.maxFrameWorkMs).toBeLessThan(2000);
    expect(measured.probeMaxLateMs).toBeLessThan(3000);
    await publisher.close();
    await observer.close();
  }, 180_000);
});
