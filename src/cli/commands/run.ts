import type { Command, CliContext } from '../command.js';
import { CliError, UsageError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { oneOf, parseCommandArgs } from '../parse-args.js';
import { loadConfig, type ChinookConfig } from '../config.js';
import { refuseStaleGeneratedCode } from '../run/check-before-run.js';
import { compileProject, loadProject, type LoadedProject } from '../run/load-project.js';
import { runConsole } from '../run/run-console.js';
import { renameSystem, runInProcess, type RunSettings } from '../run/run-services.js';
import { serviceJobEnv, superviseServices } from '../run/supervise.js';
import { embeddedIdentities, externalIdentities, hidePasswordFromPs, startLivenessWatcher, type RunIdentities } from '../run/credentials.js';
import { BusError } from '../../bus/bus.js';
import { createBus } from '../../bus/create-bus.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../bus/embedded-broker.js';

const usage = [
  'usage: chinook run [SERVICE…] [options]',
  '',
  'Runs the handlers of the named services (default: every service of the system).',
  'Several services run one process each, with a live view of the system state.',
  '',
  '  --broker URL                 mqtt://host:port[?protocol=5], mqtts://…, redis://…, rediss://…, nats://host[,host…][?replicas=3]',
  '                               (default: $CHINOOK_BROKER, config `broker`, else an embedded broker)',
  '  --port N                     port of the embedded broker (default: a free port)',
  '  --secrets DIR                each service connects as itself with DIR/<service>.secret (default:',
  '                               $CHINOOK_SECRETS, config `secrets`; docs/security.md)',
  '  --system NAME                system name (topic prefix chinook/NAME; default: as generated)',
  '  --timeout MS                 how long to wait for required dependencies (0 = forever; default 30000)',
  '  --on-dependency-lost MODE    pause | exit, when a required dependency goes away (default pause)',
  '  --keepalive S                MQTT keepalive / Redis liveness expiry in seconds (default 5)',
  '  --in-process                 run every service in this process instead of one process each',
  '  --restart MODE               no | on-failure: start a crashed service again, backing off 1 s, 2 s … 30 s (default no)',
  '  --no-console                 print events line by line instead of the live view',
  '  --no-check                   run even if the manifests are invalid or generated code is stale',
].join('\n');

const options = {
  broker: { type: 'string' },
  port: { type: 'string' },
  secrets: { type: 'string' },
  system: { type: 'string' },
  timeout: { type: 'string' },
  'on-dependency-lost': { type: 'string' },
  keepalive: { type: 'string' },
  'in-process': { type: 'boolean' },
  restart: { type: 'string' },
  'no-console': { type: 'boolean' },
  'no-check': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseWhole(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw new UsageError(`--${flag} must be a whole number from 0 to ${max} (got \`${value}\`)`, usage);
  }
  return Number(value);
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
    hidePasswordFromPs(values.broker, (line) => void baseCtx.stderr.write(`chinook run: ${line}\n`));
    const config: ChinookConfig = await loadConfig(baseCtx.cwd);
    const settings: RunSettings = {
      broker: values.broker ?? (baseCtx.env['CHINOOK_BROKER'] || undefined) ?? config.broker,
      port: parseWhole('port', values.port, 65535) ?? 0,
      system: values.system,
      dependencyTimeoutMs: parseWhole('timeout', values.timeout, 2 ** 31 - 1) ?? config.dependencyTimeoutMs ?? 30_000,
      onDependencyLost: oneOf('on-dependency-lost', values['on-dependency-lost'], ['pause', 'exit'], config.onDependencyLost ?? 'pause', usage),
      keepaliveSeconds: parseWhole('keepalive', values.keepalive, 65535) ?? config.keepaliveSeconds ?? 5,
    };
    const restart = oneOf('restart', values.restart, ['no', 'on-failure'], 'no', usage);
    if (settings.broker !== undefined && values.port !== undefined) {
      throw new UsageError('--port is for the embedded broker; it cannot go with --broker', usage);
    }
    const ctx: RunContext = { ...baseCtx, handlers: config.handlers };
    if (!values['no-check']) await refuseStaleGeneratedCode(ctx, config);
    const compiled = await compileProject({ cwd: ctx.cwd, out: config.out, handlers: config.handlers });
    const loaded = await loadProject(compiled, config.out);
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
    let identities: RunIdentities;
    let liveness: Awaited<ReturnType<typeof startLivenessWatcher>>;
    if (url === undefined) {
      // The embedded broker enforces ownership too, with fresh credentials for this run's children.
      const embedded = embeddedIdentities(project.system);
      try {
        broker = await startEmbeddedBroker({ port: settings.port, access: embedded.access });
      } catch (error) {
        throw new CliError(`cannot start the embedded broker: ${(error as Error).message}`, ExitCode.failure);
      }
      url = broker.url;
      embedded.bind(url);
      identities = embedded;
    } else {
      try {
        createBus(url, { clientId: 'chinook-url-check' });
      } catch (error) {
        if (error instanceof BusError) throw new UsageError(error.message, usage);
        throw error;
      }
      identities = externalIdentities(url, ctx.env, values.secrets ?? (ctx.env['CHINOOK_SECRETS'] || undefined) ?? config.secrets, ctx.cwd);
    }
    try {
      const single = names.length === 1 && broker === undefined;
      if (single || values['in-process']) {
        return await runInProcess({ project, compiled, handlers: ctx.handlers, names, serviceUrl: identities.serviceUrl, settings });
      }
      // Each child's URL (credentials included) goes through its environment, never its command line (`ps`).
      const childUrls = new Map(await Promise.all(names.map(async (n) => [n, await identities.serviceUrl(n)] as const)));
      liveness = await startLivenessWatcher(identities);
      return await runConsole({
        project,
        names,
        url: await identities.consoleUrl(),
        live: !values['no-console'] && Boolean((ctx.stdout as { isTTY?: boolean }).isTTY),
        ctx,
        start: (events) =>
          superviseServices(
            names,
            (service) => serviceJobEnv({ service, url: childUrls.get(service)!, compiled, handlers: ctx.handlers, out: config.out, settings }),
            ctx.cwd,
            events,
            { mode: restart },
          ),
      });
    } finally {
      await liveness?.close();
      await broker?.close();
    }
  },
};
