import type { CliContext, Command } from './command.js';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';
import { brokerCommand } from './commands/broker.js';
import { generateCommand } from './commands/generate.js';
import { graphCommand } from './commands/graph.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';

export type CommandName = 'validate' | 'generate' | 'graph' | 'run' | 'broker';

/** Every command, by name: a new one fails to compile until it is listed here. */
export const commands: Record<CommandName, Command> = {
  validate: validateCommand,
  generate: generateCommand,
  graph: graphCommand,
  run: runCommand,
  broker: brokerCommand,
};

export function renderHelp(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'chinook: typed shared state between services over MQTT or Redis',
    '',
    'usage: chinook <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run `chinook <command> --help` for a command\'s options; add --debug to see stacks of unexpected errors.',
  ].join('\n');
}

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}

/** The CLI's single boundary: every error becomes a message and an exit code here. */
export async function main(argv: readonly string[], overrides: Partial<CliContext> = {}): Promise<ExitCode> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const stdout = overrides.stdout ?? process.stdout;
  const ctx: CliContext = {
    cwd: process.cwd(),
    env: process.env,
    stdout,
    stderr: process.stderr,
    color: Boolean((stdout as { isTTY?: boolean }).isTTY) && !process.env['NO_COLOR'],
    debug,
    ...overrides,
  };
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(renderHelp() + '\n');
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === '-v') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    ctx.stdout.write(pkg.version + '\n');
    return ExitCode.ok;
  }
  if (!isCommandName(name)) {
    ctx.stderr.write(`chinook: unknown command \`${name}\`\n\n${renderHelp()}\n`);
    return ExitCode.usage;
  }
  const command = commands[name];
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    if (error instanceof CliError) {
      ctx.stderr.write(`chinook ${name}: ${error.message}\n`);
      if (error.detail) ctx.stderr.write(`${error.detail}\n`);
      return error.exitCode;
    }
    ctx.stderr.write(`chinook ${name}: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (debug && error instanceof Error && error.stack) ctx.stderr.write(error.stack + '\n');
    else ctx.stderr.write('run with --debug for the stack\n');
    return ExitCode.failure;
  }
}
