import type { Command } from '../command.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

export const runCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'usage: chinook run',
  async run() {
    throw new CliError('not implemented yet', ExitCode.failure);
  },
};
