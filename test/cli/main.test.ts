import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commands, type CommandName } from '../../src/cli/main.js';

const mainPath = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

// Prints the build-time and bus libraries a fresh process holds after `main(argv)`.
const probe = `
const { createRequire } = await import('node:module');
const { main } = await import(process.env.MAIN);
await main(JSON.parse(process.env.ARGV), { stdout: { write: () => true }, stderr: { write: () => true } });
const cache = Object.keys(createRequire(import.meta.url).cache);
const heavy = cache.map((k) => /node_modules[\\\\/](ts-morph|ajv|aedes|mqtt|ioredis|json-schema-to-typescript)[\\\\/]/.exec(k)?.[1]).filter(Boolean);
console.log(JSON.stringify([...new Set(heavy)].sort()));
`;

function heavyModulesAfter(argv: readonly string[]): string[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
    env: { ...process.env, MAIN: mainPath, ARGV: JSON.stringify(argv) },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as string[];
}

describe('the command registry (lazy: a command module loads only when it runs)', () => {
  it('`chinook --help` loads no code generation, validation or bus library', () => {
    expect(heavyModulesAfter(['--help'])).toEqual([]);
  });

  it('a command loads what it needs and no more (graph: the manifest validator, no broker)', () => {
    expect(heavyModulesAfter(['graph', '--help'])).toEqual(['ajv']);
  });

  it('each summary in the registry is the one its command module declares', async () => {
    for (const [name, entry] of Object.entries(commands) as [CommandName, (typeof commands)[CommandName]][]) {
      const command = await entry.load();
      expect(command.summary, name).toBe(entry.summary);
    }
  });
});
