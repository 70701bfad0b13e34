import type { Writable } from 'node:stream';
import type { ExitCode } from './exit-codes.js';

/** Everything a command may touch from the outside world, passed in (tests substitute it). */
export interface CliContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Colours only when the output is a terminal and NO_COLOR is unset. */
  readonly color: boolean;
  readonly debug: boolean;
}

export interface Command {
  /** One line, shown in `chinook --help`. */
  readonly summary: string;
  /** The usage line(s), shown on `--help` and on usage errors. */
  readonly usage: string;
  run(argv: readonly string[], ctx: CliContext): Promise<ExitCode>;
}
