import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exists, toPosix } from '../../src/cli/paths.js';

describe('paths', () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  it('toPosix separates with `/` on every platform', () => {
    expect(toPosix(['schemas', 'home', 'climate.yaml'].join(sep))).toBe('schemas/home/climate.yaml');
    expect(toPosix('')).toBe('');
  });

  it('exists: true for a file or a folder, false for nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chinook-paths-'));
    made.push(dir);
    await writeFile(join(dir, 'a.txt'), 'a');
    expect(await exists(dir)).toBe(true);
    expect(await exists(join(dir, 'a.txt'))).toBe(true);
    expect(await exists(join(dir, 'missing'))).toBe(false);
  });
});
