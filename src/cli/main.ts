import type { CliContext, Command } from './command.js';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

export type CommandName = 'validate' | 'generate' | 'graph' | 'run' | 'broker' | 'inspect' | 'init' | 'prune' | 'diff' | 'check-live' | 'acl';

/**
 * A command as the registry knows it before it runs: its one-line summary and how to load it.
 * Each command's module (and what it imports: ts-morph, ajv, aedes...) is loaded only when that
 * command runs, so `chinook --help` and a service process stay light. The summary is repeated
 * here on purpose; test/cli/main.test.ts checks it matches the module's.
 */
export interface CommandEntry {
  readonly summary: string;
  load(): Promise<Command>;
}

/** Every command, by name: a new one fails to compile until it is listed here. */
export const commands: Record<CommandName, CommandEntry> = {
  validate: {
    summary: 'check every manifest and report all problems (exit 1 on any error)',
    load: async () => (await import('./commands/validate.js')).validateCommand,
  },
  generate: {
    summary: 'validate, then write types, validators, topic map and service stubs (--check: verify only)',
    load: async () => (await import('./commands/generate.js')).generateCommand,
  },
  graph: {
    summary: 'print the services\' dependency graph (mermaid, dot or json), loops in red',
    load: async () => (await import('./commands/graph.js')).graphCommand,
  },
  run: {
    summary: 'run services\' handlers on the bus (default: every service, on an embedded broker)',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  broker: {
    summary: 'run the embedded MQTT broker (aedes, in memory) for other clients',
    load: async () => (await import('./commands/broker.js')).brokerCommand,
  },
  inspect: {
    summary: 'watch a running system (read-only): live web page and HTTP API',
    load: async () => (await import('./commands/inspect.js')).inspectCommand,
  },
  init: { summary: 'set up a project: config, an example manifest, tsconfig, scripts, CI workflow (never overwrites)', load: async () => (await import('./commands/init.js')).initCommand },
  prune: { summary: 'clear retained state of domains (and statuses of services) no longer in the system (dry run unless --yes)', load: async () => (await import('./commands/prune.js')).pruneCommand },
  diff: { summary: 'classify every manifest change against a git ref or folder (exit 1 on a breaking change without a version bump)', load: async () => (await import('./commands/diff.js')).diffCommand },
  'check-live': { summary: 'check the retained states on a live bus against the current manifests (exit 1 if any would be rejected)', load: async () => (await import('./commands/check-live.js')).checkLiveCommand },
  acl: { summary: 'write broker ACL and password files (mosquitto, Redis, EMQX) from the manifests', load: async () => (await import('./commands/acl.js')).aclCommand },
};

export function renderHelp(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'chinook: typed shared state between services over MQTT, Redis or NATS',
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
  try {
    const command = await commands[name].load();
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
