import type { Command, CliContext } from '../command.js';
import { CliError, UsageError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { oneOf, parseCommandArgs } from '../parse-args.js';
import { loadConfig, type ChinookConfig } from '../config.js';
import { waitForStopSignal } from '../signals.js';
import { loadHandler, loadProject, type LoadedProject } from '../run/load-project.js';
import { runConsole } from '../run/run-console.js';
import { superviseServices } from '../run/supervise.js';
import { BusError } from '../../bus/bus.js';
import { createBus } from '../../bus/create-bus.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../bus/embedded-broker.js';
import type { RunOptions, ServiceInstance, ServiceTypes, StopReason, SystemSpec } from '../../runtime/contract.js';

const usage = [
  'usage: chinook run [SERVICE…] [options]',
  '',
  'Runs the handlers of the named services (default: every service of the system).',
  'Several services run one process each, with a live view of the system state.',
  '',
  '  --broker URL                 mqtt://host:port[?protocol=5], mqtts://…, redis://…, rediss://…, nats://host[,host…][?replicas=3]',
  '                               (default: $CHINOOK_BROKER, config `broker`, else an embedded broker)',
  '  --port N                     port of the embedded broker (default: a free port)',
  '  --system NAME                system name (topic prefix chinook/NAME; default: as generated)',
  '  --timeout MS                 how long to wait for required dependencies (0 = forever; default 30000)',
  '  --on-dependency-lost MODE    pause | exit, when a required dependency goes away (default pause)',
  '  --keepalive S                MQTT keepalive / Redis liveness expiry in seconds (default 5)',
  '  --in-process                 run every service in this process instead of one process each',
  '  --no-console                 print events line by line instead of the live view',
].join('\n');

const options = {
  broker: { type: 'string' },
  port: { type: 'string' },
  system: { type: 'string' },
  timeout: { type: 'string' },
  'on-dependency-lost': { type: 'string' },
  keepalive: { type: 'string' },
  'in-process': { type: 'boolean' },
  'no-console': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseWhole(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw new UsageError(`--${flag} must be a whole number from 0 to ${max} (got \`${value}\`)`, usage);
  }
  return Number(value);
}

interface RunSettings {
  readonly broker: string | undefined;
  readonly port: number;
  readonly system: string | undefined;
  readonly dependencyTimeoutMs: number;
  readonly onDependencyLost: 'pause' | 'exit';
  readonly keepaliveSeconds: number;
}

/** The same system under another name: every topic follows the prefix. */
export function renameSystem(spec: SystemSpec, system: string | undefined): SystemSpec {
  if (system === undefined || system === spec.system) return spec;
  const prefix = `chinook/${system}`;
  const domains = Object.fromEntries(
    Object.entries(spec.domains).map(([name, d]) => [name, { ...d, topic: `${prefix}/state/${name}` }]),
  );
  const services = Object.fromEntries(
    Object.entries(spec.services).map(([name, s]) => [name, { ...s, statusTopic: `${prefix}/status/${name}` }]),
  );
  return { ...spec, system, prefix, domains, services };
}

function describeStop(service: string, reason: StopReason): string {
  switch (reason.type) {
    case 'stopped':
      return `${service}: stopped`;
    case 'dependency-timeout':
      return `${service}: required dependencies never became available: ${reason.missing.join(', ')}`;
    case 'dependency-lost':
      return `${service}: required dependency \`${reason.domain}\` was lost (on-dependency-lost: exit)`;
    case 'bus-unreachable':
      return `${service}: the bus is unreachable: ${reason.message}`;
    case 'start-failed':
      return `${service}: onStart failed: ${reason.message}`;
  }
}

/**
 * The generated code imports its own copy of the runtime (tsx loads it apart from the CLI's),
 * so the runtime's errors are recognised by name: `instanceof` fails across the two copies.
 */
function isServiceStartError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ServiceStartError';
}

function busFactory(url: string, settings: RunSettings): RunOptions['bus'] {
  return (busOptions) => createBus(url, { ...busOptions, keepaliveSeconds: settings.keepaliveSeconds });
}

/** Runs services in this process until a stop signal, or until one of them ends on its own. */
async function runInProcess(
  project: LoadedProject,
  names: readonly string[],
  url: string,
  settings: RunSettings,
  ctx: RunContext,
): Promise<ExitCode> {
  const instances: ServiceInstance<ServiceTypes>[] = [];
  for (const name of names) {
    const handler = await loadHandler(ctx.handlers, name, ctx.cwd);
    instances.push(
      project.services[name]!.create(handler as never, {
        bus: busFactory(url, settings),
        dependencyTimeoutMs: settings.dependencyTimeoutMs,
        onDependencyLost: settings.onDependencyLost,
      }),
    );
  }
  const signal = waitForStopSignal();
  try {
    const started = Promise.all(instances.map((i) => i.start()));
    const first = await Promise.race([started.then(() => 'started' as const), signal.promise.then(() => 'signal' as const)]);
    if (first === 'signal') {
      await Promise.all(instances.map((i) => i.stop()));
      return ExitCode.ok;
    }
    const ended = await Promise.race([
      signal.promise.then(() => undefined),
      ...instances.map((i) => i.done.then((reason) => ({ name: i.name, reason }))),
    ]);
    await Promise.all(instances.map((i) => i.stop()));
    if (ended === undefined || ended.reason.type === 'stopped') return ExitCode.ok;
    throw new CliError(describeStop(ended.name, ended.reason), ExitCode.failure);
  } catch (error) {
    await Promise.all(instances.map((i) => i.stop().catch(() => undefined)));
    if (isServiceStartError(error)) throw new CliError(error.message, ExitCode.failure);
    throw error;
  } finally {
    signal.dispose();
  }
}

interface RunContext extends CliContext {
  readonly handlers: string;
}

export const runCommand: Command = {
  summary: 'run services\' handlers on the bus (default: every service, on an embedded broker)',
  usage,
  async run(argv, baseCtx) {
    const { values, positionals } = parseCommandArgs(argv, options, usage);
    if (values.help) {
      baseCtx.stdout.write(usage + '\n');
      return ExitCode.ok;
    }
    const config: ChinookConfig = await loadConfig(baseCtx.cwd);
    const settings: RunSettings = {
      broker: values.broker ?? (baseCtx.env['CHINOOK_BROKER'] || undefined) ?? config.broker,
      port: parseWhole('port', values.port, 65535) ?? 0,
      system: values.system,
      dependencyTimeoutMs: parseWhole('timeout', values.timeout, 2 ** 31 - 1) ?? config.dependencyTimeoutMs ?? 30_000,
      onDependencyLost: oneOf('on-dependency-lost', values['on-dependency-lost'], ['pause', 'exit'], config.onDependencyLost ?? 'pause', usage),
      keepaliveSeconds: parseWhole('keepalive', values.keepalive, 65535) ?? config.keepaliveSeconds ?? 5,
    };
    if (settings.broker !== undefined && values.port !== undefined) {
      throw new UsageError('--port is for the embedded broker; it cannot go with --broker', usage);
    }
    const ctx: RunContext = { ...baseCtx, handlers: config.handlers };
    const loaded = await loadProject(config.out, ctx.cwd);
    const project: LoadedProject = { ...loaded, system: renameSystem(loaded.system, settings.system) };
    const known = Object.keys(project.system.services).sort();
    for (const name of positionals) {
      if (!known.includes(name)) {
        throw new UsageError(`unknown service \`${name}\` (services of ${project.system.system}: ${known.join(', ')})`, usage);
      }
    }
    const names = positionals.length > 0 ? [...new Set(positionals)] : known;

    let broker: EmbeddedBroker | undefined;
    let url = settings.broker;
    if (url === undefined) {
      try {
        broker = await startEmbeddedBroker({ port: settings.port });
      } catch (error) {
        throw new CliError(`cannot start the embedded broker: ${(error as Error).message}`, ExitCode.failure);
      }
      url = broker.url;
    } else {
      try {
        createBus(url, { clientId: 'chinook-url-check' });
      } catch (error) {
        if (error instanceof BusError) throw new UsageError(error.message, usage);
        throw error;
      }
    }
    try {
      const single = names.length === 1 && broker === undefined;
      if (single || values['in-process']) return await runInProcess(project, names, url, settings, ctx);
      // The URL goes to the children through the environment: it may hold a password, and
      // command lines are visible to every user of the machine (`ps`).
      const childArgs = ['--timeout', String(settings.dependencyTimeoutMs), '--on-dependency-lost', settings.onDependencyLost, '--keepalive', String(settings.keepaliveSeconds)];
      if (settings.system !== undefined) childArgs.push('--system', settings.system);
      return await runConsole({
        project,
        names,
        url,
        live: !values['no-console'] && Boolean((ctx.stdout as { isTTY?: boolean }).isTTY),
        ctx,
        start: (events) => superviseServices(names, childArgs, { CHINOOK_BROKER: url }, ctx.cwd, events),
      });
    } finally {
      await broker?.close();
    }
  },
};
