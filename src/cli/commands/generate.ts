import type { Command } from '../command.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

export const generateCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'usage: chinook generate',
  async run() {
    throw new CliError('not implemented yet', ExitCode.failure);
  },
};
