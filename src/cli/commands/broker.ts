import type { Command } from '../command.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

export const brokerCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'usage: chinook broker',
  async run() {
    throw new CliError('not implemented yet', ExitCode.failure);
  },
};
