/**
 * The secrets folder: one file per identity, `<dir>/<identity>.secret`, holding its password
 * (mode 0600, the folder 0700 and git-ignored). `chinook acl` creates missing ones and
 * rotates on request; a service reads its own through `--secrets`/`CHINOOK_SECRETS` or
 * `CHINOOK_BROKER_PASSWORD_FILE`. Never a command-line argument: those show in `ps`.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

export const SECRET_SUFFIX = '.secret';

export function secretPath(dir: string, identity: string): string {
  return join(dir, identity + SECRET_SUFFIX);
}

/** 32 random bytes, base64url: safe in a URL, a shell and every broker's password field. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A secret file's content, without a trailing newline; undefined when the file does not exist. */
export async function readSecretFile(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read the secret file ${path}: ${(error as Error).message}`, ExitCode.usage);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '' || /[\r\n]/.test(secret)) throw new CliError(`the secret file ${path} must hold one line`, ExitCode.usage);
  return secret;
}

async function writeSecret(path: string, secret: string): Promise<void> {
  // Written aside with 0600 first, then renamed: the secret is never readable by others, even briefly.
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, secret + '\n', { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

export interface SecretsResult {
  readonly secrets: ReadonlyMap<string, string>;
  readonly created: readonly string[];
  readonly rotated: readonly string[];
  readonly missing: readonly string[];
}

/**
 * Reads the secret of every identity in `names`; with `create`, makes the folder and any
 * missing secret, and a new secret for each identity in `rotate`.
 */
export async function loadSecrets(dir: string, names: readonly string[], options: { readonly create: boolean; readonly rotate: ReadonlySet<string> }): Promise<SecretsResult> {
  if (options.create) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(join(dir, '.gitignore'), '# secrets of chinook acl: never commit them\n*\n');
  }
  const secrets = new Map<string, string>();
  const created: string[] = [];
  const rotated: string[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const path = secretPath(dir, name);
    let secret = options.rotate.has(name) ? undefined : await readSecretFile(path);
    if (secret === undefined && options.create) {
      (options.rotate.has(name) ? rotated : created).push(name);
      secret = newSecret();
      await writeSecret(path, secret);
    }
    if (secret === undefined) missing.push(name);
    else secrets.set(name, secret);
  }
  return { secrets, created, rotated, missing };
}
