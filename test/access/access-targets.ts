/**
 * The three buses with ownership enforced, for the attack tests: the embedded broker fed
 * with the rights, mosquitto with `chinook acl`'s password and ACL files, redis-server with
 * its ACL file. Secrets are made here; every file comes from the same renderers `chinook acl` uses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bus, BusWill } from '../../src/bus/bus.js';
import { createBus } from '../../src/bus/create-bus.js';
import { startEmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { identitiesNeedingSecrets, renderAccessFiles } from '../../src/codegen/emit-access.js';
import { buildAccessRights, type AccessRights } from '../../src/model/access.js';
import { startMosquitto, startRedis } from '../support/brokers.js';
import { REFERENCE, SERVICES } from '../e2e/run-system.js';

export const PREFIX = REFERENCE.prefix;

export const RIGHTS: AccessRights = buildAccessRights({
  prefix: PREFIX,
  domains: Object.entries(REFERENCE.domains).map(([name, d]) => ({ name, owner: d.owner })),
  services: SERVICES,
});

export const SECRETS: ReadonlyMap<string, string> = new Map(
  identitiesNeedingSecrets(RIGHTS).map((name) => [name, `pw-${name}-${Math.random().toString(36).slice(2)}`]),
);

export interface AccessTarget {
  readonly name: string;
  /** The bus URL without credentials. */
  readonly url: string;
  readonly kind: 'embedded' | 'mosquitto' | 'redis';
  readonly mqtt5: boolean;
  stop(): Promise<void>;
}

/** Writes `chinook acl`'s files for RIGHTS and SECRETS into a new temp folder. */
export function writeAccessFiles(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'chinook-access-'));
  for (const file of renderAccessFiles(RIGHTS, SECRETS)) writeFileSync(path.join(dir, file.path), file.content, { mode: 0o600 });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startEmbeddedTarget(): Promise<AccessTarget> {
  const identities = new Map(RIGHTS.identities.map((i) => [i.name, { secret: SECRETS.get(i.name)!, publish: i.publish, subscribe: i.subscribe }]));
  const broker = await startEmbeddedBroker({ access: { identities } });
  return { name: 'embedded (aedes, MQTT 3.1.1)', url: broker.url, kind: 'embedded', mqtt5: false, stop: () => broker.close() };
}

export async function startMosquittoTarget(mqtt5: boolean): Promise<AccessTarget> {
  const files = writeAccessFiles();
  const broker = await startMosquitto({ extraConfig: ['allow_anonymous false', `password_file ${files.dir}/mosquitto.passwd`, `acl_file ${files.dir}/mosquitto.acl`] });
  return {
    name: `mosquitto, ${mqtt5 ? 'MQTT 5' : 'MQTT 3.1.1'}`,
    url: mqtt5 ? `${broker.url}?protocol=5` : broker.url,
    kind: 'mosquitto',
    mqtt5,
    async stop() {
      await broker.stop();
      files.remove();
    },
  };
}

export async function startRedisTarget(): Promise<AccessTarget> {
  const files = writeAccessFiles();
  const broker = await startRedis(['--aclfile', `${files.dir}/redis.acl`]);
  return {
    name: 'redis-server (ACL file)',
    url: broker.url,
    kind: 'redis',
    mqtt5: false,
    async stop() {
      await broker.stop();
      files.remove();
    },
  };
}

/** `url` with an identity's user name and password (its real secret unless `password` says otherwise). */
export function urlAs(url: string, identity: string | undefined, password?: string): string {
  if (identity === undefined) return url;
  const parsed = new URL(url);
  parsed.username = identity;
  parsed.password = encodeURIComponent(password ?? SECRETS.get(identity)!);
  return parsed.toString();
}

let clients = 0;

/** A connected bus as `identity`; the clientId follows the runtime's `<service>-…` form. */
export async function connectAs(target: AccessTarget, identity: string | undefined, options: { password?: string; will?: BusWill; clientId?: string } = {}): Promise<Bus> {
  const bus = createBus(urlAs(target.url, identity, options.password), {
    clientId: options.clientId ?? `${identity ?? 'anonymous'}-test-${++clients}`,
    keepaliveSeconds: 1,
    reconnectPeriodMs: 200,
    connectTimeoutMs: 5_000,
    ...(options.will ? { will: options.will } : {}),
  });
  await bus.connect();
  return bus;
}
