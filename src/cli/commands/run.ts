import type { Command, CliContext } from '../command.js';
import { CliError, UsageError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { commandRun, flagEnvOrConfig, oneOf, parseWhole, type ParsedArgs } from '../parse-args.js';
import { loadConfig, type ChinookConfig } from '../config.js';
import { refuseStaleGeneratedCode } from '../run/check-before-run.js';
import { compileProject, loadProject, type CompiledProject, type LoadedProject } from '../run/load-project.js';
import { runConsole } from '../run/run-console.js';
import { renameSystem, runInProcess, type RunSettings } from '../run/run-services.js';
import { serviceJobEnv, superviseServices, type RestartPolicy } from '../run/supervise.js';
import { embeddedIdentities, externalIdentities, hidePasswordFromPs, startLivenessWatcher, type RunIdentities } from '../run/credentials.js';
import { BusError } from '../../bus/bus.js';
import { createBus } from '../../bus/create-bus.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../bus/embedded-broker.js';
import type { SystemSpec } from '../../runtime/contract.js';

const usage = [
  'usage: chinook run [SERVICE…] [options]',
  '',
  'Runs the handlers of the named services (default: every service of the system).',
  'Several services run one process each, with a live view of the system state.',
  '',
  '  --broker URL                 mqtt://host:port[?protocol=4|5], mqtts://…, redis://…, rediss://…, nats://host[,host…][?replicas=3]',
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

type RunValues = ParsedArgs<typeof options>['values'];

/** The run's settings: each from its flag, else the environment, else chinook.config.yaml. */
function readSettings(values: RunValues, env: NodeJS.ProcessEnv, config: ChinookConfig): RunSettings {
  return {
    broker: flagEnvOrConfig(values.broker, env['CHINOOK_BROKER'], config.broker),
    port: parseWhole('port', values.port, { max: 65535 }, usage) ?? 0,
    system: values.system,
    dependencyTimeoutMs: parseWhole('timeout', values.timeout, { max: 2 ** 31 - 1 }, usage) ?? config.dependencyTimeoutMs ?? 30_000,
    onDependencyLost: oneOf('on-dependency-lost', values['on-dependency-lost'], ['pause', 'exit'], config.onDependencyLost ?? 'pause', usage),
    keepaliveSeconds: parseWhole('keepalive', values.keepalive, { max: 65535 }, usage) ?? config.keepaliveSeconds ?? 5,
  };
}

/** The services named on the command line (each once), or every service of the system. */
export function chooseServices(positionals: readonly string[], system: SystemSpec): string[] {
  const known = Object.keys(system.services).sort();
  for (const name of positionals) {
    if (!known.includes(name)) {
      throw new UsageError(`unknown service \`${name}\` (services of ${system.system}: ${known.join(', ')})`, usage);
    }
  }
  return positionals.length > 0 ? [...new Set(positionals)] : known;
}

/** Where the services connect, and as whom: an embedded broker with fresh credentials, or the given bus. */
async function prepareBus(project: LoadedProject, settings: RunSettings, secrets: string | undefined, ctx: CliContext): Promise<{ broker?: EmbeddedBroker; identities: RunIdentities }> {
  const url = settings.broker;
  if (url === undefined) {
    // The embedded broker enforces ownership too, with fresh credentials for this run's children.
    const embedded = embeddedIdentities(project.system);
    let broker: EmbeddedBroker;
    try {
      broker = await startEmbeddedBroker({ port: settings.port, access: embedded.access });
    } catch (error) {
      throw new CliError(`cannot start the embedded broker: ${(error as Error).message}`, ExitCode.failure);
    }
    embedded.bind(broker.url);
    return { broker, identities: embedded };
  }
  try {
    createBus(url, { clientId: 'chinook-url-check' });
  } catch (error) {
    if (error instanceof BusError) throw new UsageError(error.message, usage);
    throw error;
  }
  return { identities: externalIdentities(url, ctx.env, secrets, ctx.cwd) };
}

interface ServicesRun {
  readonly project: LoadedProject;
  readonly compiled: CompiledProject;
  readonly config: ChinookConfig;
  readonly settings: RunSettings;
  readonly names: readonly string[];
  readonly identities: RunIdentities;
  readonly restart: RestartPolicy['mode'];
  readonly live: boolean;
}

/** One process per service under the console, its liveness watched while it runs. */
async function runSupervised(run: ServicesRun, ctx: CliContext): Promise<ExitCode> {
  const { names, identities, compiled, config, settings } = run;
  // Each child's URL (credentials included) goes through its environment, never its command line (`ps`).
  const childUrls = new Map(await Promise.all(names.map(async (n) => [n, await identities.serviceUrl(n)] as const)));
  const liveness = await startLivenessWatcher(identities);
  try {
    const childEnv = (service: string): Record<string, string> =>
      serviceJobEnv({ service, url: childUrls.get(service)!, compiled, handlers: config.handlers, out: config.out, settings });
    return await runConsole({
      project: run.project,
      names,
      url: await identities.consoleUrl(),
      live: run.live,
      ctx,
      start: (events) => superviseServices(names, childEnv, ctx.cwd, events, { mode: run.restart }),
    });
  } finally {
    await liveness?.close();
  }
}

export const runCommand: Command = {
  summary: 'run services\' handlers on the bus (default: every service, on an embedded broker)',
  usage,
  run: commandRun(options, usage, usage, async ({ values, positionals }, ctx) => {
    hidePasswordFromPs(values.broker, (line) => void ctx.stderr.write(`chinook run: ${line}\n`));
    const config: ChinookConfig = await loadConfig(ctx.cwd);
    const settings = readSettings(values, ctx.env, config);
    const restart = oneOf('restart', values.restart, ['no', 'on-failure'], 'no', usage);
    if (settings.broker !== undefined && values.port !== undefined) {
      throw new UsageError('--port is for the embedded broker; it cannot go with --broker', usage);
    }
    if (!values['no-check']) await refuseStaleGeneratedCode(ctx, config);
    const compiled = await compileProject({ cwd: ctx.cwd, out: config.out, handlers: config.handlers });
    const loaded = await loadProject(compiled, config.out);
    const project: LoadedProject = { ...loaded, system: renameSystem(loaded.system, settings.system) };
    const names = chooseServices(positionals, project.system);
    const { broker, identities } = await prepareBus(project, settings, flagEnvOrConfig(values.secrets, ctx.env['CHINOOK_SECRETS'], config.secrets), ctx);
    try {
      if ((names.length === 1 && broker === undefined) || values['in-process']) {
        return await runInProcess({ project, compiled, handlers: config.handlers, names, serviceUrl: identities.serviceUrl, settings });
      }
      const live = !values['no-console'] && Boolean((ctx.stdout as { isTTY?: boolean }).isTTY);
      return await runSupervised({ project, compiled, config, settings, names, identities, restart, live }, ctx);
    } finally {
      await broker?.close();
    }
  }),
};
