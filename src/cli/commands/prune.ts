/**
 * `chinook prune --broker URL`: clears what a removed domain or service left on the broker
 * (its retained state or status), which every later run would otherwise reject as
 * `unknown-domain`. A dry run unless `--yes`. Connects without a will: it is no service.
 */
import { randomBytes } from 'node:crypto';
import { BusError, type Bus } from '../../bus/bus.js';
import { createBus } from '../../bus/create-bus.js';
import { defaultPrefix } from '../../runtime/envelope.js';
import { allStates, allStatuses } from '../../shared/topics.js';
import { CliError, UsageError } from '../cli-error.js';
import { connectBus } from '../connect-bus.js';
import type { CliContext, Command } from '../command.js';
import { loadConfig } from '../config.js';
import { ExitCode } from '../exit-codes.js';
import { loadSystemFromDir } from '../load-system.js';
import { commandRun, flagEnvOrConfig, optionalFolder } from '../parse-args.js';
import { renderDiagnostics } from '../render-diagnostics.js';
import { findPrunable, maskPassword, type Prunable, type SystemNames } from '../prune/find-prunable.js';
import { readRetainedTopics } from '../prune/read-retained.js';
import { showUrl } from '../run/run-console.js';

const usage = 'usage: chinook prune [DIR] --broker URL [--system NAME] [--yes]';

const help = `${usage}

Lists the retained states of domains, and the retained statuses of services, that the
broker holds under the system's prefix but the manifests under DIR no longer have; with
--yes, clears them. Without --yes it changes nothing (a dry run).

  DIR             manifest folder (default: \`manifests\` of chinook.config.yaml, else \`schemas\`)
  --broker URL    mqtt://…, mqtts://…, redis://…, rediss://… (default: $CHINOOK_BROKER, config \`broker\`)
  --system NAME   system name (topic prefix chinook/NAME; default: config \`system\`)
  --yes           clear them (default: only list them)
  -h, --help      show this help

exit codes: 0 done (or nothing to prune), 1 invalid manifests or the bus unreachable, 2 usage error`;

const options = {
  broker: { type: 'string' },
  system: { type: 'string' },
  yes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The domains and services of the system the manifests describe; invalid manifests are reported and end the command. */
async function loadSystemNames(dir: string, ctx: CliContext, system: string, prefix: string): Promise<SystemNames> {
  const loaded = await loadSystemFromDir(dir, { cwd: ctx.cwd, system });
  if (loaded.model === undefined) {
    ctx.stderr.write(renderDiagnostics(loaded.diagnostics, 'text', loaded.sources, { color: ctx.color }));
    throw new CliError('the manifests are invalid: nothing was pruned', ExitCode.failure, 'fix them (`chinook validate`), then run prune again');
  }
  return {
    prefix,
    domains: new Set(loaded.model.domains.map((d) => d.name)),
    services: new Set(loaded.model.services.map((s) => s.name)),
  };
}

function connect(url: string, usageText: string): Promise<Bus> {
  const create = (): Bus => createBus(url, { clientId: `chinook-prune-${process.pid}-${randomBytes(3).toString('hex')}` });
  return connectBus(create, usageText, (message) => maskPassword(message, url));
}

function describe(p: Prunable): string {
  return p.kind === 'domain' ? `state of domain \`${p.name}\`, not in the system` : `status of service \`${p.name}\`, not in the system`;
}

export const pruneCommand: Command = {
  summary: 'clear retained state of domains (and statuses of services) no longer in the system (dry run unless --yes)',
  usage,
  run: commandRun(options, usage, help, async ({ values, positionals }, ctx) => {
    const folder = optionalFolder(positionals, usage);
    const config = await loadConfig(ctx.cwd);
    const url = flagEnvOrConfig(values.broker, ctx.env['CHINOOK_BROKER'], config.broker);
    if (url === undefined || url === '') {
      throw new UsageError('prune needs --broker URL (an embedded broker keeps nothing once `chinook run` stops)', usage);
    }
    const system = values.system ?? config.system;
    const prefix = values.system === undefined && config.prefix !== undefined ? config.prefix : defaultPrefix(system);
    const names = await loadSystemNames(folder ?? config.manifests, ctx, system, prefix);
    const bus = await connect(url, usage);
    try {
      const retained = await readRetainedTopics(bus, [allStates(prefix), allStatuses(prefix)], `${prefix}/prune`);
      const prunable = findPrunable(names, retained);
      const where = `${maskPassword(showUrl(url), url)} under ${prefix}/`;
      if (prunable.length === 0) {
        ctx.stdout.write(`chinook prune: nothing to prune on ${where} (${retained.size} retained message${retained.size === 1 ? '' : 's'}, all of the system)\n`);
        return ExitCode.ok;
      }
      const width = Math.max(...prunable.map((p) => p.topic.length));
      const lines = prunable.map((p) => `  ${p.topic.padEnd(width)}  ${describe(p)}`);
      ctx.stdout.write(`chinook prune: ${prunable.length} retained message${prunable.length === 1 ? '' : 's'} on ${where} no longer in the system:\n${lines.join('\n')}\n`);
      if (!values.yes) {
        ctx.stdout.write('dry run: nothing cleared; run again with --yes to clear them\n');
        return ExitCode.ok;
      }
      // An empty retained message clears the retained one (MQTT); the Redis adapter deletes the key.
      for (const p of prunable) await bus.publish(p.topic, new Uint8Array(0), { retain: true });
      ctx.stdout.write(`cleared ${prunable.length}\n`);
      return ExitCode.ok;
    } catch (error) {
      if (error instanceof BusError) throw new CliError(maskPassword(error.message, url), ExitCode.failure);
      throw error;
    } finally {
      await bus.close().catch(() => undefined);
    }
  }),
};
