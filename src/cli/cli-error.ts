import { ExitCode } from './exit-codes.js';

/**
 * An error the CLI expects and knows how to explain: printed as one readable block,
 * never with a stack. Anything else that escapes a command is a bug.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** Printed after the message, e.g. the usage line. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  constructor(message: string, usage: string) {
    super(message, ExitCode.usage, usage);
  }
}
