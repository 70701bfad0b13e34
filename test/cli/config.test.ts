import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/config.js';

const dir = mkdtempSync(join(tmpdir(), 'chinook-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chinook.config.yaml', () => {
  it.each([
    ['sytem: home', /unknown key `sytem`; did you mean `system`\?/],
    ['handler: src/handlers', /unknown key `handler`; did you mean `handlers`\?/],
    ['keepAliveSeconds: 5', /unknown key `keepAliveSeconds`; did you mean `keepaliveSeconds`\?/],
  ])('an unknown key close to a known one gets a did-you-mean (%s); exit 2', async (text, message) => {
    writeFileSync(join(dir, 'chinook.config.yaml'), text + '\n');
    await expect(loadConfig(dir)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
  });

  it('an unknown key far from every known one lists the known keys', async () => {
    writeFileSync(join(dir, 'chinook.config.yaml'), 'colour: red\n');
    const error = (await loadConfig(dir).then(
      () => undefined,
      (e: unknown) => e,
    )) as { message: string; detail: string };
    expect(error.message).toBe('chinook.config.yaml: unknown key `colour`');
    expect(error.detail).toMatch(/^known keys: system, manifests, out, handlers/);
  });
});
