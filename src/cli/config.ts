import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { suggestClosest } from '../manifest/suggest.js';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** `chinook.config.yaml` in the current directory; every key optional. */
export interface ChinookConfig {
  /** The system's name: the `<system>` of topic prefix `chinook/<system>`. */
  readonly system: string;
  /** Folder holding the manifests. */
  readonly manifests: string;
  /** Folder generated code is written to. */
  readonly out: string;
  /** Folder the user's handler files live in (`<handlers>/<service>.ts`). */
  readonly handlers: string;
  /** Bus URL (`mqtt://`, `mqtts://`, `redis://`); unset: an embedded broker. */
  readonly broker?: string;
  /** Topic prefix; default `chinook/<system>`. */
  readonly prefix?: string;
  /** How long a service waits for its required dependencies (ms, 0 = forever). */
  readonly dependencyTimeoutMs?: number;
  /** What a service does when a required dependency is lost after its start. */
  readonly onDependencyLost?: 'pause' | 'exit';
  /** MQTT keepalive (s) or Redis liveness expiry (s). */
  readonly keepaliveSeconds?: number;
  /** Folder `chinook acl` writes broker ACL and password files to (default `access`). */
  readonly access?: string;
  /** Folder of identity secrets, `<identity>.secret` (default `secrets`; docs/security.md). */
  readonly secrets?: string;
}

export const CONFIG_FILE = 'chinook.config.yaml';

export const DEFAULT_CONFIG: ChinookConfig = {
  system: 'default',
  manifests: 'schemas',
  out: 'generated',
  handlers: 'handlers',
};

const STRING_KEYS = ['system', 'manifests', 'out', 'handlers', 'broker', 'prefix', 'access', 'secrets'] as const;
const NUMBER_KEYS = ['dependencyTimeoutMs', 'keepaliveSeconds'] as const;

/** Reads `chinook.config.yaml` from `cwd` when present; a bad file is a usage error (exit 2). */
export async function loadConfig(cwd: string): Promise<ChinookConfig> {
  const path = join(cwd, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_CONFIG;
    throw new CliError(`cannot read ${CONFIG_FILE}: ${(error as Error).message}`, ExitCode.usage);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = first.linePos?.[0];
    const at = pos ? `:${pos.line}:${pos.col}` : '';
    throw new CliError(`${CONFIG_FILE}${at}: not valid YAML: ${first.message.split('\n')[0]}`, ExitCode.usage);
  }
  const raw: unknown = doc.toJS() ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CliError(`${CONFIG_FILE}: must be a mapping of keys to values`, ExitCode.usage);
  }
  const record = raw as Record<string, unknown>;
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(record)) {
    if ((STRING_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'string' || value === '') {
        throw new CliError(`${CONFIG_FILE}: \`${key}\` must be a non-empty string`, ExitCode.usage);
      }
    } else if ((NUMBER_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new CliError(`${CONFIG_FILE}: \`${key}\` must be a number >= 0`, ExitCode.usage);
      }
    } else if (key === 'onDependencyLost') {
      if (value !== 'pause' && value !== 'exit') {
        throw new CliError(`${CONFIG_FILE}: \`onDependencyLost\` must be \`pause\` or \`exit\``, ExitCode.usage);
      }
    } else if (!key.startsWith('x-')) {
      const known = [...STRING_KEYS, ...NUMBER_KEYS, 'onDependencyLost'];
      const suggestion = suggestClosest(key, known);
      throw new CliError(
        `${CONFIG_FILE}: unknown key \`${key}\`${suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`}`,
        ExitCode.usage,
        `known keys: ${known.join(', ')} (keys starting with x- are ignored)`,
      );
    }
    config[key] = value;
  }
  return config as unknown as ChinookConfig;
}
