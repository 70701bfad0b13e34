/**
 * Who `chinook run` is on the bus (docs/security.md): the credentials of each service, of the
 * console (the `observer`), and the per-run identities of the embedded broker. Kept out of
 * commands/run.ts so that file only asks for a URL per role.
 *
 * Where a secret comes from, first found wins — never from a command-line argument, which
 * every user of the machine sees in `ps`:
 *   1. the URL's own password (CHINOOK_BROKER, the config's `broker`; `--broker` works but warns);
 *   2. CHINOOK_BROKER_PASSWORD, then the file named by CHINOOK_BROKER_PASSWORD_FILE,
 *      as user CHINOOK_BROKER_USERNAME (else the URL's user, else the service's name);
 *   3. the secrets folder (`--secrets`, CHINOOK_SECRETS, the config's `secrets`): each
 *      service as itself with `<dir>/<service>.secret`, the console as `observer`.
 * On the embedded broker (no URL), every run makes fresh random secrets for its own children.
 */
import { resolve } from 'node:path';
import { OBSERVER, buildAccessRights } from '../../model/access.js';
import { LIVENESS } from '../../codegen/emit-access.js';
import type { BrokerAccess } from '../../bus/broker-access.js';
import type { Bus } from '../../bus/bus.js';
import { createBus } from '../../bus/create-bus.js';
import { redactUrl } from '../../bus/url.js';
import type { SystemSpec } from '../../runtime/contract.js';
import { newSecret, readSecretFile, secretPath } from '../access/secrets.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

export interface RunIdentities {
  /** The bus URL, credentials included, for a service running in this process. */
  serviceUrl(service: string): Promise<string>;
  /** The URL the console watches the bus with. */
  consoleUrl(): Promise<string>;
  /** What a child running `service` gets in its environment (the URL and its secret). */
  childEnv(service: string): Readonly<Record<string, string>>;
  /** On Redis with a secrets folder holding `liveness.secret`: the URL to fire crashed clients' wills with. */
  livenessUrl(): Promise<string | undefined>;
}

/**
 * On Redis under ACLs only the `liveness` identity may publish a crashed client's `offline`
 * (docs/security.md): `chinook run` keeps one such connection while its services run. The
 * Redis adapter does the work (expiry events and sweeps); this connection only has to exist.
 */
export async function startLivenessWatcher(identities: RunIdentities): Promise<Bus | undefined> {
  const url = await identities.livenessUrl();
  if (url === undefined) return undefined;
  const bus = createBus(url, { clientId: `chinook-liveness-${process.pid}` });
  try {
    await bus.connect();
  } catch (error) {
    throw new CliError(`cannot watch liveness as \`${LIVENESS}\`: ${(error as Error).message}`, ExitCode.failure);
  }
  return bus;
}

/** The URL with this user name and password in it (kept in memory; shown only through redactUrl). */
export function withCredentials(url: string, username: string | undefined, password: string | undefined): string {
  if (username === undefined && password === undefined) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: the bus refuses it with a message of its own (redacted).
    return url;
  }
  if (username !== undefined) parsed.username = encodeURIComponent(username);
  if (password !== undefined) parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

/**
 * A password given in `--broker` is on the command line: say so, and overwrite this process's
 * title (what `ps` shows on Linux) with the redacted command line. A short window remains:
 * the fix is CHINOOK_BROKER or a password file.
 */
export function hidePasswordFromPs(brokerFlag: string | undefined, warn: (line: string) => void): void {
  if (brokerFlag === undefined || !hasPassword(brokerFlag)) return;
  // `--broker URL` and `--broker=URL` alike.
  process.title = process.argv.map((arg) => arg.replace(brokerFlag, redactUrl(brokerFlag))).join(' ');
  warn('warning: the password in --broker is visible to every user of this machine (ps); use CHINOOK_BROKER or CHINOOK_BROKER_PASSWORD_FILE instead (docs/security.md)');
}

/** Identities on an external broker, from the URL, the environment or a secrets folder. */
export function externalIdentities(url: string, env: NodeJS.ProcessEnv, secretsDir: string | undefined, cwd: string): RunIdentities {
  const dir = secretsDir === undefined ? undefined : resolve(cwd, secretsDir);
  const urlUser = (() => {
    try {
      const u = new URL(url).username;
      return u === '' ? undefined : decodeURIComponent(u);
    } catch {
      return undefined;
    }
  })();
  const explicitUser = env['CHINOOK_BROKER_USERNAME'] || urlUser;
  const fromEnv = async (): Promise<string | undefined> => {
    if (env['CHINOOK_BROKER_PASSWORD']) return env['CHINOOK_BROKER_PASSWORD'];
    const file = env['CHINOOK_BROKER_PASSWORD_FILE'];
    if (!file) return undefined;
    const secret = await readSecretFile(resolve(cwd, file));
    if (secret === undefined) throw new CliError(`CHINOOK_BROKER_PASSWORD_FILE: no such file ${file}`, ExitCode.usage);
    return secret;
  };
  const urlFor = async (identity: string): Promise<string> => {
    if (hasPassword(url)) return url;
    const password = await fromEnv();
    if (password !== undefined) return withCredentials(url, explicitUser ?? identity, password);
    if (dir === undefined) return withCredentials(url, explicitUser, undefined);
    const name = explicitUser ?? identity;
    const secret = await readSecretFile(secretPath(dir, name));
    if (secret === undefined) throw new CliError(`no secret for \`${name}\` in ${dir}`, ExitCode.usage, 'run `chinook acl` to create the secrets (docs/security.md)');
    return withCredentials(url, name, secret);
  };
  return {
    serviceUrl: urlFor,
    consoleUrl: () => urlFor(OBSERVER),
    // Each child resolves its own identity the same way from the same sources.
    childEnv: () => ({ CHINOOK_BROKER: url, ...(dir === undefined ? {} : { CHINOOK_SECRETS: dir }) }),
    async livenessUrl() {
      if (dir === undefined || !/^rediss?:/i.test(url)) return undefined;
      const secret = await readSecretFile(secretPath(dir, LIVENESS));
      return secret === undefined ? undefined : withCredentials(url, LIVENESS, secret);
    },
  };
}

export interface EmbeddedRunAccess extends RunIdentities {
  /** What the embedded broker enforces. */
  readonly access: BrokerAccess;
  /** Once the broker listens: its URL (without credentials). */
  bind(url: string): void;
}

/**
 * Fresh identities for one run on the embedded broker: a random secret for each service
 * and the observer, rights from the system (the same rights `chinook acl` writes). Clients
 * without credentials may read, as the observer does, and write nothing.
 */
export function embeddedIdentities(system: SystemSpec): EmbeddedRunAccess {
  const rights = buildAccessRights({
    prefix: system.prefix,
    domains: Object.entries(system.domains).map(([name, d]) => ({ name, owner: d.owner })),
    services: Object.keys(system.services),
  });
  const identities = new Map(rights.identities.map((i) => [i.name, { secret: newSecret(), publish: i.publish, subscribe: i.subscribe }]));
  let brokerUrl: string | undefined;
  const urlFor = (name: string): string => {
    if (brokerUrl === undefined) throw new Error('the embedded broker is not listening yet');
    return withCredentials(brokerUrl, name, identities.get(name)!.secret);
  };
  const observer = rights.identities.find((i) => i.name === OBSERVER)!;
  return {
    // Reading is open on a development run (mosquitto_sub can watch it); writing is not.
    access: { identities, anonymous: { subscribe: observer.subscribe } },
    bind(url) {
      brokerUrl = url;
    },
    serviceUrl: async (service) => urlFor(service),
    // The console only reads: as an anonymous reader, its URL (shown) is the broker's own.
    consoleUrl: async () => {
      if (brokerUrl === undefined) throw new Error('the embedded broker is not listening yet');
      return brokerUrl;
    },
    childEnv(service) {
      if (brokerUrl === undefined) throw new Error('the embedded broker is not listening yet');
      return { CHINOOK_BROKER: brokerUrl, CHINOOK_BROKER_USERNAME: service, CHINOOK_BROKER_PASSWORD: identities.get(service)!.secret };
    },
    // The embedded broker fires wills itself.
    livenessUrl: async () => undefined,
  };
}
