/// <reference lib="dom" />
/**
 * `chinook inspect` in a real browser (headless Chromium) beside the reference system on the
 * embedded broker: the page lists every domain, draws the graph, shows state changes without a
 * reload, and shows a killed service go offline. INSPECT_SCREENSHOT=docs/inspect.png saves the
 * page as the docs show it.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { describeIfBinary } from '../support/brokers.js';
import { CHROMIUM_BINARY, launchChromium } from '../support/chromium.js';
import { startInspect, type InspectChild } from './inspect-child.js';
import { DOMAINS, SERVICES, startRun, waitForConvergence, type RunningSystem } from './run-system.js';


let running: RunningSystem | undefined;
let inspector: InspectChild | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  await inspector?.stop();
  running?.kill();
});

const cell = (page: Page, domain: string, column: number): Promise<string> =>
  page.locator(`.domain[data-domain="${domain}"] > div:nth-child(${column})`).innerText();

describeIfBinary(CHROMIUM_BINARY, 'chinook inspect in a browser', () => {
  it('lists every domain and service, draws the graph, updates live, shows a killed service offline', async () => {
    running = startRun([]);
    await waitForConvergence(running);
    const bus = /^\S+ bus (\S+)/.exec(running.lines[0]!)?.[1];
    expect(bus).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    inspector = await startInspect(bus!);
    expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    let navigations = 0;
    page.on('framenavigated', (frame) => void (frame === page.mainFrame() && navigations++));
    await page.goto(inspector.url);

    // Every domain, every service, each with what it is.
    await page.locator('.domain').nth(DOMAINS.length - 1).waitFor();
    expect(await page.locator('.domain').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['domain']))).toEqual(DOMAINS);
    await page.waitForFunction((n) => document.querySelectorAll('.domain[data-availability="available"]').length === n, DOMAINS.length, { timeout: 20_000 });
    await page.waitForFunction((n) => document.querySelectorAll('#services tr[data-status="online"]').length === n, SERVICES.length, { timeout: 20_000 });

    // The graph: one box per service, one chip per domain coloured by availability, edges.
    const graph = page.locator('#graph svg');
    expect(await graph.locator('g.node').count()).toBe(SERVICES.length);
    expect(await graph.locator('g.node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-service')).sort())).toEqual(SERVICES);
    expect(await graph.locator('rect.chip.available').count()).toBe(DOMAINS.length);
    expect(await graph.locator('path.edge').count()).toBeGreaterThan(0);

    // A state change appears without a reload: climate publishes every few seconds.
    const seqBefore = Number(await cell(page, 'climate', 3));
    await page.waitForFunction(
      (before) => Number(document.querySelector('.domain[data-domain="climate"] .c-seq')?.textContent) > before,
      seqBefore,
      { timeout: 30_000 },
    );
    expect(navigations).toBe(1);

    // Killed (no goodbye): its will fires, the page shows it offline and its domain stale.
    const pid = running.pid('lighting-service')!;
    process.kill(pid, 'SIGKILL');
    await page.locator('#services tr[data-service="lighting-service"][data-status="offline"]').waitFor({ timeout: 40_000 });
    await page.locator('.domain[data-domain="lighting"][data-availability="stale"]').waitFor({ timeout: 10_000 });
    expect(await graph.locator('g.node.offline').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-service')))).toEqual(['lighting-service']);
    expect(await graph.locator('rect.chip.stale').evaluateAll((chips) => chips.map((c) => c.getAttribute('data-domain')))).toEqual(['lighting']);
    expect(navigations).toBe(1);
    expect(errors).toEqual([]);

    const screenshot = process.env['INSPECT_SCREENSHOT'];
    if (screenshot) {
      await page.locator('.domain[data-domain="climate"]').click();
      await page.locator('.detail-row .history li').first().waitFor();
      await page.waitForTimeout(1500);
      await page.screenshot({ path: screenshot, fullPage: true });
    }
  }, 180_000);
});
