import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-error.js';
import type { CliContext, Command } from './command.js';
import { ExitCode } from './exit-codes.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A command's arguments, parsed against its `options`. */
export type ParsedArgs<O extends Options> = ReturnType<typeof parseCommandArgs<O>>;

/**
 * `node:util` parseArgs with the CLI's conventions: unknown flags and bad values are
 * usage errors (exit 2) that show the command's usage line.
 */
export function parseCommandArgs<O extends Options>(
  argv: readonly string[],
  options: O,
  usage: string,
): { values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values']; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(message, usage);
  }
}

/**
 * The start of every command: its arguments parsed as `parseCommandArgs` does, or undefined
 * when `--help` asked for the help text, which is then printed (the command exits 0).
 */
export function parseCommand<O extends Options & { readonly help: { readonly type: 'boolean' } }>(
  argv: readonly string[],
  ctx: Pick<CliContext, 'stdout'>,
  options: O,
  usage: string,
  help: string = usage,
): ParsedArgs<O> | undefined {
  const parsed = parseCommandArgs(argv, options, usage);
  if ((parsed.values as { help?: boolean }).help === true) {
    ctx.stdout.write(help + '\n');
    return undefined;
  }
  return parsed;
}

/**
 * A command's `run` that starts as every command does (`parseCommand`): on `--help` it prints
 * the help and exits 0; otherwise `run` gets the parsed arguments.
 */
export function commandRun<O extends Options & { readonly help: { readonly type: 'boolean' } }>(
  options: O,
  usage: string,
  help: string,
  run: (args: ParsedArgs<O>, ctx: CliContext) => Promise<ExitCode>,
): Command['run'] {
  return async (argv, ctx) => {
    const parsed = parseCommand(argv, ctx, options, usage, help);
    return parsed === undefined ? ExitCode.ok : run(parsed, ctx);
  };
}

/** The one optional folder argument of a command; a usage error when there are more. */
export function optionalFolder(positionals: readonly string[], usage: string): string | undefined {
  if (positionals.length > 1) throw new UsageError(`expected at most one folder, got ${positionals.length}`, usage);
  return positionals[0];
}

/** A whole-number flag from `min` to `max`; undefined when it is not given, a usage error when it is out of range. */
export function parseWhole(flag: string, value: string | undefined, range: { readonly min?: number; readonly max: number }, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const min = range.min ?? 0;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > range.max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${range.max} (got \`${value}\`)`, usage);
  }
  return Number(value);
}

/** A setting from its flag, else its environment variable when set and not empty, else the config file. */
export function flagEnvOrConfig(flag: string | undefined, env: string | undefined, config: string | undefined): string | undefined {
  return flag ?? (env || undefined) ?? config;
}

/** Checks a flag value against a closed set; a usage error otherwise. */
export function oneOf<const T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T, usage: string): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(', ')} (got \`${value}\`)`, usage);
}
