import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliError, UsageError } from '../../src/cli/cli-error.js';
import type { CliContext } from '../../src/cli/command.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { commandRun, flagEnvOrConfig, optionalFolder, parseCommand, parseWhole } from '../../src/cli/parse-args.js';

function capture(): { ctx: CliContext; text(): string } {
  let text = '';
  const stdout = new Writable({ write: (chunk, _encoding, done) => ((text += String(chunk)), done()) });
  return { ctx: { cwd: '/', env: {}, stdout, stderr: stdout, color: false, debug: false }, text: () => text };
}

const options = { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

describe('parseCommand', () => {
  it('parses the arguments', () => {
    const { ctx, text } = capture();
    expect(parseCommand(['--out', 'x', 'dir'], ctx, options, 'usage: t')).toEqual({ values: { out: 'x' }, positionals: ['dir'] });
    expect(text()).toBe('');
  });

  it('on --help prints the help (the usage unless given) and returns undefined', () => {
    const plain = capture();
    expect(parseCommand(['-h'], plain.ctx, options, 'usage: t')).toBeUndefined();
    expect(plain.text()).toBe('usage: t\n');
    const long = capture();
    expect(parseCommand(['--help'], long.ctx, options, 'usage: t', 'usage: t\n\nmore')).toBeUndefined();
    expect(long.text()).toBe('usage: t\n\nmore\n');
  });

  it('an unknown flag is a usage error', () => {
    expect(() => parseCommand(['--nope'], capture().ctx, options, 'usage: t')).toThrow(UsageError);
  });
});

describe('commandRun', () => {
  it('runs with the parsed arguments, or exits 0 after the help', async () => {
    const seen: unknown[] = [];
    const run = commandRun(options, 'usage: t', 'help: t', async (args) => {
      seen.push(args);
      return ExitCode.failure;
    });
    const { ctx, text } = capture();
    expect(await run(['a'], ctx)).toBe(ExitCode.failure);
    expect(seen).toEqual([{ values: {}, positionals: ['a'] }]);
    expect(await run(['--help'], ctx)).toBe(ExitCode.ok);
    expect(text()).toBe('help: t\n');
    expect(seen).toHaveLength(1);
  });
});

describe('small argument checks', () => {
  it('parseWhole: undefined when absent, the number in range, a usage error otherwise', () => {
    expect(parseWhole('port', undefined, { max: 65535 }, 'u')).toBeUndefined();
    expect(parseWhole('port', '0', { max: 65535 }, 'u')).toBe(0);
    expect(parseWhole('history', '1000', { min: 1, max: 1000 }, 'u')).toBe(1000);
    expect(() => parseWhole('history', '0', { min: 1, max: 1000 }, 'u')).toThrow('--history must be a whole number from 1 to 1000 (got `0`)');
    expect(() => parseWhole('port', '65536', { max: 65535 }, 'u')).toThrow('--port must be a whole number from 0 to 65535 (got `65536`)');
    expect(() => parseWhole('port', '1.5', { max: 65535 }, 'u')).toThrow(CliError);
  });

  it('flagEnvOrConfig: the flag, else a non-empty environment value, else the config', () => {
    expect(flagEnvOrConfig('flag', 'env', 'config')).toBe('flag');
    expect(flagEnvOrConfig(undefined, 'env', 'config')).toBe('env');
    expect(flagEnvOrConfig(undefined, '', 'config')).toBe('config');
    expect(flagEnvOrConfig(undefined, undefined, undefined)).toBeUndefined();
  });

  it('optionalFolder: none or one, never two', () => {
    expect(optionalFolder([], 'u')).toBeUndefined();
    expect(optionalFolder(['schemas'], 'u')).toBe('schemas');
    expect(() => optionalFolder(['a', 'b'], 'u')).toThrow('expected at most one folder, got 2');
  });
});
