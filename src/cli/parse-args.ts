import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

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

/** Checks a flag value against a closed set; a usage error otherwise. */
export function oneOf<const T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T, usage: string): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(', ')} (got \`${value}\`)`, usage);
}
