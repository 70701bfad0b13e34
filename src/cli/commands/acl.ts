/**
 * `chinook acl`: the broker configurations that make the bus enforce ownership, rendered
 * from the manifests (src/model/access.ts, src/codegen/emit-access.ts) and the secrets
 * folder. A command of its own rather than more `generate` outputs: generated code depends
 * only on the manifests (CLI.md) and is committed, while password files depend on secrets
 * and belong to a deployment, not to the repository.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { identitiesNeedingSecrets, renderAccessFiles, type AccessFile } from '../../codegen/emit-access.js';
import { CliError, UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { commandRun, flagEnvOrConfig, optionalFolder } from '../parse-args.js';
import { loadSecrets } from '../access/secrets.js';
import { loadAccessRights } from '../access/load-rights.js';

const usage = 'usage: chinook acl [DIR] [--out OUT] [--secrets DIR] [--check] [--rotate NAME]…';

const help = `${usage}

Write the broker configurations that let each service publish only its own domains and
status (its will included), and an \`observer\` read everything and write nothing:
mosquitto.acl + mosquitto.passwd (mosquitto), redis.acl (Redis >= 7 aclfile), emqx-acl.conf
(EMQX 5), rights.json. Each identity's password is read from SECRETS/<identity>.secret,
created there when missing (mode 0600; the folder is git-ignored). See docs/security.md.

  DIR             manifest folder (default: \`manifests\` of chinook.config.yaml, else \`schemas\`)
  --out OUT       output folder (default: \`access\` of chinook.config.yaml, else \`access\`)
  --secrets DIR   secrets folder (default: $CHINOOK_SECRETS, \`secrets\` of the config, else \`secrets\`)
  --check         write nothing; exit 1 listing the files that differ (or missing secrets)
  --rotate NAME   give identity NAME a new secret (repeatable; \`all\` for every identity)
  -h, --help      show this help`;

const options = {
  out: { type: 'string' },
  secrets: { type: 'string' },
  check: { type: 'boolean' },
  rotate: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Which of `files` differ from what is in `out`. */
async function findStale(out: string, files: readonly AccessFile[]): Promise<{ file: string; reason: 'differs' | 'missing' }[]> {
  const stale: { file: string; reason: 'differs' | 'missing' }[] = [];
  for (const file of files) {
    let current: string | undefined;
    try {
      current = await readFile(join(out, file.path), 'utf8');
    } catch {
      current = undefined;
    }
    if (current === undefined) stale.push({ file: file.path, reason: 'missing' });
    else if (current !== file.content) stale.push({ file: file.path, reason: 'differs' });
  }
  return stale;
}

async function writeChanged(out: string, files: readonly AccessFile[]): Promise<string[]> {
  await mkdir(out, { recursive: true });
  const existing = new Set(await readdir(out));
  const changed: string[] = [];
  for (const file of files) {
    const path = join(out, file.path);
    if (existing.has(file.path) && (await readFile(path, 'utf8')) === file.content) continue;
    // The password file holds hashes: readable by its owner only (mosquitto warns otherwise).
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, file.content, { mode: file.path.endsWith('.acl') || file.path.endsWith('.passwd') ? 0o600 : 0o644 });
    await rename(temporary, path);
    changed.push(file.path);
  }
  return changed;
}

export const aclCommand: Command = {
  summary: 'write broker ACL and password files (mosquitto, Redis, EMQX) from the manifests',
  usage,
  run: commandRun(options, usage, help, async ({ values, positionals }, ctx) => {
    const folder = optionalFolder(positionals, usage);
    const loaded = await loadAccessRights(ctx, folder);
    if (loaded === undefined) return ExitCode.failure;
    const { rights, config } = loaded;
    const names = identitiesNeedingSecrets(rights);
    const rotate = new Set(values.rotate?.includes('all') ? names : (values.rotate ?? []));
    for (const name of rotate) {
      if (!names.includes(name)) throw new UsageError(`--rotate: no identity \`${name}\` (identities: ${names.join(', ')})`, usage);
    }
    if (values.check && rotate.size > 0) throw new UsageError('--check writes nothing: it cannot go with --rotate', usage);
    const out = resolve(ctx.cwd, values.out ?? config.access ?? 'access');
    const secretsDir = resolve(ctx.cwd, flagEnvOrConfig(values.secrets, ctx.env['CHINOOK_SECRETS'], config.secrets) ?? 'secrets');
    const loadedSecrets = await loadSecrets(secretsDir, names, { create: !values.check, rotate });
    if (loadedSecrets.missing.length > 0) {
      throw new CliError(`no secret for ${loadedSecrets.missing.join(', ')} in ${secretsDir}`, ExitCode.failure, 'run `chinook acl` (without --check) to create them');
    }
    const files = renderAccessFiles(rights, loadedSecrets.secrets);
    if (values.check) {
      const stale = await findStale(out, files);
      for (const s of stale) ctx.stderr.write(`stale: ${s.file} (${s.reason})\n`);
      if (stale.length > 0) ctx.stderr.write('run `chinook acl` to update them, then reload the broker\n');
      return stale.length > 0 ? ExitCode.failure : ExitCode.ok;
    }
    const changed = await writeChanged(out, files);
    const say = (line: string): void => void ctx.stdout.write(line + '\n');
    if (loadedSecrets.created.length > 0) say(`created secrets for ${loadedSecrets.created.join(', ')} in ${secretsDir}`);
    if (loadedSecrets.rotated.length > 0) say(`rotated the secrets of ${loadedSecrets.rotated.join(', ')}: reload the broker, then restart those services`);
    say(changed.length > 0 ? `wrote ${changed.join(', ')} in ${out} (${rights.identities.length} identities)` : `${out} is up to date`);
    return ExitCode.ok;
  }),
};
