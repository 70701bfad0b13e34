/**
 * Who may do what on the bus, derived from the manifests (issue 13): the one source every
 * broker configuration (mosquitto, Redis, EMQX, the embedded broker) is rendered from.
 *
 * - A service publishes only `<prefix>/state/<domain>` of the domains it owns and its own
 *   `<prefix>/status/<service>` (its last will included, which brokers check as a publish).
 * - It subscribes to `<prefix>/state/+` and `<prefix>/status/+`: the runtime holds the whole
 *   system state (every service receives every domain and every status, PROTOCOL.md), and
 *   reading is not what ownership protects.
 * - The `observer` identity (consoles, inspectors, dashboards) reads `<prefix>/#` and writes nothing.
 *
 * Pure: no I/O, no secrets. Identities are sorted by name; every list is sorted.
 */
import { allStates, allStatuses, stateTopic, statusTopic } from '../shared/topics.js';

export const OBSERVER = 'observer';

/** Names a broker keeps for itself, or that we do: no service may use them as an identity. */
export const RESERVED_IDENTITIES: readonly string[] = [OBSERVER, 'default', 'liveness'];

export interface AccessInput {
  /** Topic prefix, `chinook/<system>` by default. */
  readonly prefix: string;
  readonly domains: readonly { readonly name: string; readonly owner: string }[];
  readonly services: readonly string[];
}

export interface Identity {
  /** The user name on the broker (the service's name, or `observer`). */
  readonly name: string;
  readonly role: 'service' | 'observer';
  /** Exact topics this identity may publish (retained or not, and as its will). */
  readonly publish: readonly string[];
  /** MQTT patterns this identity may subscribe to and receive from. */
  readonly subscribe: readonly string[];
  /** For a service: the domains it owns (sorted). */
  readonly owns: readonly string[];
}

export interface AccessRights {
  readonly prefix: string;
  /** Sorted by name; the observer among them. */
  readonly identities: readonly Identity[];
}

function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The rights of every identity; throws on a service named like a reserved identity (callers check `reservedIdentityClash` first). */
export function buildAccessRights(input: AccessInput): AccessRights {
  const clash = reservedIdentityClash(input.services);
  if (clash !== undefined) throw new Error(`service \`${clash}\` has a reserved identity name`);
  const { prefix } = input;
  const services = [...new Set(input.services)].sort();
  const identities: Identity[] = services.map((service) => {
    const owns = input.domains.filter((d) => d.owner === service).map((d) => d.name).sort();
    return {
      name: service,
      role: 'service',
      publish: [...owns.map((d) => stateTopic(prefix, d)), statusTopic(prefix, service)],
      subscribe: [allStates(prefix), allStatuses(prefix)],
      owns,
    };
  });
  identities.push({ name: OBSERVER, role: 'observer', publish: [], subscribe: [`${prefix}/#`], owns: [] });
  return { prefix, identities: identities.sort(byName) };
}

/** The first service whose name is a reserved identity (`observer`, Redis's `default`, `liveness`), if any. */
export function reservedIdentityClash(services: readonly string[]): string | undefined {
  return services.find((s) => RESERVED_IDENTITIES.includes(s));
}
