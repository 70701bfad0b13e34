import { resolve } from 'node:path';
import type { CliContext, Command } from '../command.js';
import type { BrokerAccess } from '../../bus/broker-access.js';
import { CliError, UsageError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { commandRun, parseWhole } from '../parse-args.js';
import { waitForStopSignal } from '../signals.js';
import { startEmbeddedBroker } from '../../bus/embedded-broker.js';

const usage = [
  'usage: chinook broker [--port N] [--host H] [--secrets DIR]',
  '',
  '  --port N       TCP port to listen on (default 1883; 0 picks a free one)',
  '  --host H       address to bind (default 127.0.0.1; 0.0.0.0 for every interface)',
  '  --secrets DIR  enforce the system\'s access rights: only its identities, with DIR/<identity>.secret',
  '                 (written by `chinook acl`), each within its rights (docs/security.md)',
].join('\n');

/**
 * The system's rights with each identity's secret, read from `dir` (never created here:
 * `chinook acl` does that). Null when the manifests are invalid (already reported).
 */
async function loadBrokerAccess(ctx: CliContext, dir: string): Promise<BrokerAccess | null> {
  // Loaded only with --secrets: a plain broker needs no manifest tooling.
  const { loadAccessRights } = await import('../access/load-rights.js');
  const { loadSecrets } = await import('../access/secrets.js');
  const loaded = await loadAccessRights(ctx);
  if (loaded === undefined) return null;
  const names = loaded.rights.identities.map((i) => i.name);
  const secretsDir = resolve(ctx.cwd, dir);
  const { secrets, missing } = await loadSecrets(secretsDir, names, { create: false, rotate: new Set() });
  if (missing.length > 0) throw new CliError(`no secret for ${missing.join(', ')} in ${secretsDir}`, ExitCode.failure, 'run `chinook acl` to create them');
  const identities = new Map(loaded.rights.identities.map((i) => [i.name, { secret: secrets.get(i.name)!, publish: i.publish, subscribe: i.subscribe }]));
  return { identities };
}

export const brokerCommand: Command = {
  summary: 'run the embedded MQTT broker (aedes, in memory) for other clients',
  usage,
  run: commandRun({ port: { type: 'string' }, host: { type: 'string' }, secrets: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, usage, usage, async ({ values, positionals }, ctx) => {
    if (positionals.length > 0) throw new UsageError(`unexpected argument \`${positionals[0]}\``, usage);
    const port = parseWhole('port', values.port, { max: 65535 }, usage) ?? 1883;
    const host = values.host ?? '127.0.0.1';
    const access = values.secrets === undefined ? undefined : await loadBrokerAccess(ctx, values.secrets);
    if (access === null) return ExitCode.failure;
    let broker;
    try {
      broker = await startEmbeddedBroker({ port, host, ...(access ? { access } : {}) });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const why =
        code === 'EADDRINUSE' ? `port ${port} is already in use (pick another with --port, or 0 for a free one)`
        : code === 'EACCES' ? `not allowed to listen on port ${port} (ports below 1024 need privileges)`
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' ? `cannot bind to host \`${host}\``
        : (error as Error).message;
      throw new CliError(`cannot start the broker: ${why}`, ExitCode.failure);
    }
    const enforced = access ? `, access rights of ${access.identities.size} identities enforced` : '';
    ctx.stdout.write(`chinook broker: listening on ${broker.url} (MQTT 3.1.1, in memory${enforced}; Ctrl-C to stop)\n`);
    ctx.stdout.write(`  connect services with: chinook run --broker ${broker.url}${access ? ` --secrets ${values.secrets}` : ''}\n`);
    const signal = waitForStopSignal();
    await signal.promise;
    signal.dispose();
    await broker.close();
    ctx.stdout.write('chinook broker: stopped\n');
    return ExitCode.ok;
  }),
};
