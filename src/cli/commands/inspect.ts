import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command, CliContext } from '../command.js';
import { CliError, UsageError } from '../cli-error.js';
import { connectBus } from '../connect-bus.js';
import { ExitCode } from '../exit-codes.js';
import { commandRun, flagEnvOrConfig, parseWhole } from '../parse-args.js';
import { loadConfig } from '../config.js';
import { loadSystemFromDir } from '../load-system.js';
import { waitForStopSignal } from '../signals.js';
import { compileProject, loadProject } from '../run/load-project.js';
import { renameSystem } from '../run/run-services.js';
import { showUrl } from '../run/run-console.js';
import { externalIdentities, hidePasswordFromPs } from '../run/credentials.js';
import { graphFromManifests, graphFromSystem } from '../inspect/system-graph.js';
import { startInspectServer, type InspectServer } from '../inspect/inspect-server.js';
import { createObserverBus } from '../inspect/observer-bus.js';
import type { GraphResponse } from '../inspect/api-types.js';
import type { SystemSpec } from '../../runtime/contract.js';

export const DEFAULT_INSPECT_PORT = 7420;
const TOKEN_ENV = 'CHINOOK_INSPECT_TOKEN';

const usage = [
  'usage: chinook inspect [--broker URL] [--port N] [--host H] [options]',
  '',
  'Watches a running system as a read-only observer (it publishes nothing) and serves a',
  'live web page and a read-only HTTP API (/api/state, /api/state/<domain>, /api/services,',
  '/api/events) about it.',
  '',
  '  --broker URL        the system\'s bus (default: $CHINOOK_BROKER, else config `broker`)',
  `  --port N            port to serve on (default ${DEFAULT_INSPECT_PORT}; 0 picks a free one)`,
  '  --host H            address to serve on (default 127.0.0.1: this machine only)',
  '  --system NAME       system name (topic prefix chinook/NAME; default: as generated)',
  `  --token-file PATH   require \`Authorization: Bearer <token>\` on /api/ (the file's first line);`,
  `                      or set $${TOKEN_ENV}. Required with a --host other than loopback.`,
  '  --history N         updates kept per domain (default 20)',
].join('\n');

const options = {
  broker: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  system: { type: 'string' },
  'token-file': { type: 'string' },
  history: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The token comes from a file or the environment, never from a flag value (`ps` shows those). */
async function readToken(file: string | undefined, ctx: CliContext): Promise<string | undefined> {
  if (file === undefined) {
    const fromEnv = ctx.env[TOKEN_ENV]?.trim();
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  }
  let text: string;
  try {
    text = await readFile(resolve(ctx.cwd, file), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the token file \`${file}\`: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, ExitCode.usage);
  }
  const token = text.split('\n')[0]!.trim();
  if (token === '') throw new CliError(`the token file \`${file}\` is empty`, ExitCode.usage);
  return token;
}

/** The manifests' graph when they load (loops and all); the generated system's otherwise. */
async function loadGraph(manifests: string, system: SystemSpec, cwd: string): Promise<GraphResponse> {
  try {
    const loaded = await loadSystemFromDir(manifests, { cwd, system: system.system });
    const onlyLoops = loaded.diagnostics.every((d) => d.severity !== 'error' || d.code === 'dependency-cycle');
    if (onlyLoops && loaded.build.graph.services.length > 0) return graphFromManifests(loaded.build.graph);
  } catch {
    // No manifests beside the generated code (a deployed system): the generated lists will do.
  }
  return graphFromSystem(system);
}

export const inspectCommand: Command = {
  summary: 'watch a running system (read-only): live web page and HTTP API',
  usage,
  run: commandRun(options, usage, usage, async ({ values, positionals }, ctx) => {
    if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\``, usage);
    hidePasswordFromPs(values.broker, (line) => void ctx.stderr.write(`chinook inspect: ${line}\n`));
    const config = await loadConfig(ctx.cwd);
    const url = flagEnvOrConfig(values.broker, ctx.env['CHINOOK_BROKER'], config.broker);
    if (url === undefined) {
      throw new UsageError('no bus to watch: pass --broker URL (`chinook run` prints its bus), set $CHINOOK_BROKER, or `broker` in chinook.config.yaml', usage);
    }
    const port = parseWhole('port', values.port, { max: 65535 }, usage) ?? DEFAULT_INSPECT_PORT;
    const historySize = parseWhole('history', values.history, { min: 1, max: 1000 }, usage) ?? 20;
    const host = values.host ?? '127.0.0.1';
    const token = await readToken(values['token-file'], ctx);
    if (token === undefined && !/^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(host)) {
      throw new UsageError(`--host ${host} serves other machines: give a token (--token-file PATH or $${TOKEN_ENV})`, usage);
    }
    const project = await loadProject(await compileProject({ cwd: ctx.cwd, out: config.out }), config.out);
    const system = renameSystem(project.system, values.system);
    const graph = await loadGraph(config.manifests, system, ctx.cwd);
    // As the `observer` identity when credentials are set up (docs/security.md): reads all, writes nothing.
    const observerUrl = await externalIdentities(url, ctx.env, flagEnvOrConfig(undefined, ctx.env['CHINOOK_SECRETS'], config.secrets), ctx.cwd).consoleUrl();
    const bus = await connectBus(() => createObserverBus(observerUrl), usage);
    let server: InspectServer;
    try {
      server = await startInspectServer({ bus, system, graph, host, port, historySize, ...(token === undefined ? {} : { token }) });
    } catch (error) {
      await bus.close().catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new CliError(`port ${port} on ${host} is taken`, ExitCode.failure, 'pass --port N (0 picks a free one)');
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot serve on --host ${host}: not an address of this machine`, usage);
      throw error;
    }
    ctx.stdout.write(`chinook inspect: ${server.url} (system ${system.system} on ${showUrl(url)}; read-only${token === undefined ? '' : ', token required'})\n`);
    const signal = waitForStopSignal();
    try {
      await signal.promise;
      return ExitCode.ok;
    } finally {
      signal.dispose();
      await server.close();
      await bus.close().catch(() => undefined);
    }
  }),
};
