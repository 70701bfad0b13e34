/// <reference lib="dom" />
/**
 * The page's own behaviour in headless Chromium, against the inspect server in this process
 * (memory bus, the reference system's generated code): the token prompt, a domain's detail
 * (JSON tree, last updates with what changed), the filter, and a loop drawn in red.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { system, type Power } from '../../generated/index.js';
import { graphFromManifests } from '../../src/cli/inspect/system-graph.js';
import { loadSystemFromDir } from '../../src/cli/load-system.js';
import { describeIfBinary, hasBinary } from '../support/brokers.js';
import { CHROMIUM_BINARY, launchChromium } from '../support/chromium.js';
import { MANIFEST_FIXTURES } from '../manifest/run-cli.js';
import { startHarness, type Harness } from '../cli/inspect/server-harness.js';

const power = (gridImportW: number): Power => ({ gridImportW, solarW: 0, battery: { percent: 50, charging: false }, meters: [] });

let browser: Browser | undefined;
let harness: Harness | undefined;
let page: Page | undefined;
beforeAll(async () => {
  if (hasBinary(CHROMIUM_BINARY)) browser = await launchChromium();
}, 60_000);
afterEach(async () => {
  await page?.close();
  await harness?.close();
  harness = undefined;
});
afterAll(async () => {
  await browser?.close();
});

describeIfBinary(CHROMIUM_BINARY, 'the inspect page', () => {
  it('asks for the token, then shows a domain\'s tree and its last updates with what changed; the filter hides rows', async () => {
    const h = (harness = await startHarness(system, { token: 'let-me-in' }));
    await h.publishStatus('energy-service', 'online');
    await h.publishState('power', power(400), 1);
    await h.publishState('power', power(650), 2);
    page = await browser!.newPage();
    await page.goto(h.server.url);
    await page.locator('#token-form').waitFor();
    expect(await page.locator('#connection').innerText()).toBe('token required');
    await page.fill('#token-input', 'let-me-in');
    await page.click('#token-form button');
    await page.locator('.domain[data-domain="power"][data-availability="available"]').waitFor();

    await page.click('.domain[data-domain="power"]');
    await page.locator('.detail-row .history li').first().waitFor();
    expect(await page.locator('.detail-row .tree').innerText()).toContain('gridImportW: 650');
    expect(await page.locator('.detail-row .history > ol > li').first().innerText()).toMatch(/\/gridImportW\s+400 → 650/);
    await h.publishState('power', power(700), 3);
    await page.waitForFunction(() => document.querySelector('.detail-row .history li')?.textContent?.includes('650 → 700'));

    await page.fill('#filter', 'pow');
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.dbody .domain')].filter((r) => !r.hidden).length === 1);
  });

  it('draws the loop of manifests with one (a system run with --no-check) in red, and names it', async () => {
    const loaded = await loadSystemFromDir(join(MANIFEST_FIXTURES, 'dependency-cycle'), { cwd: MANIFEST_FIXTURES, system: 'default' });
    const graph = graphFromManifests(loaded.build.graph);
    const h = (harness = await startHarness(system, { graph }));
    page = await browser!.newPage();
    await page.goto(h.server.url);
    await page.locator('#graph svg').waitFor();
    expect(await page.locator('#graph path.edge.loop').count()).toBe(graph.edges.filter((e) => e.loop).length);
    expect(await page.locator('#graph path.edge.loop').count()).toBeGreaterThan(0);
    expect(await page.locator('.loop-note').innerText()).toMatch(/^dependency loop: (\S+ → )+\S+$/);
  });
});
