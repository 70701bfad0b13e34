/** Headless Chromium (Debian's `chromium`) for the browser tests, driven by playwright-core. */
import type { Browser } from 'playwright-core';
import { hasBinary } from './brokers.js';

export const CHROMIUM_BINARY = 'chromium';

export function hasChromium(): boolean {
  return hasBinary(CHROMIUM_BINARY);
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const { execFileSync } = await import('node:child_process');
  const executablePath = execFileSync('sh', ['-c', `command -v ${CHROMIUM_BINARY}`], { encoding: 'utf8' }).trim();
  // --no-sandbox: tests run as root in CI, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
