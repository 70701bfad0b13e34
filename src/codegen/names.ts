/**
 * Every TypeScript name the generator emits, allocated once for the whole system so that
 * `index.ts` can re-export every module without two exporting the same name.
 *
 * Deterministic: allocation depends only on the (sorted) model. A `$defs` entry keeps its
 * short name (`Lamp`) when no other domain defines the same one, else it is prefixed with
 * its domain's type (`LightingLamp`) in every domain that defines it.
 */
import type { DomainModel, SystemModel } from '../model/types.js';

export interface ServiceNames {
  /** PascalCase base, e.g. `LightingService`. */
  readonly base: string;
  readonly types: string;
  readonly context: string;
  readonly handler: string;
  readonly create: string;
  /** The per-instance handler factory, e.g. `defineLightingService`. */
  readonly define: string;
  /** File name without extension, e.g. `lighting-service`. */
  readonly file: string;
}

export interface DomainNames {
  /** The state's type, e.g. `Lighting`. */
  readonly type: string;
  readonly is: string;
  readonly explain: string;
  /** The `DomainSpec` value, e.g. `lightingDomain`. */
  readonly spec: string;
  /** `$defs` key → type name. */
  readonly defs: ReadonlyMap<string, string>;
}

export interface Naming {
  service(name: string): ServiceNames;
  domain(name: string): DomainNames;
}

/** Names the generated modules export themselves, never given to a domain or a `$defs` type. */
export const RESERVED_NAMES: readonly string[] = ['SystemState', 'DomainName', 'ServiceName', 'Topics'];

/** `power-meter` → `PowerMeter`; anything that is not a letter or digit separates words. */
export function toPascalCase(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  if (joined === '') return 'Type';
  return /^[0-9]/.test(joined) ? `T${joined}` : joined;
}

export function toCamelCase(text: string): string {
  const pascal = toPascalCase(text);
  return pascal[0]!.toLowerCase() + pascal.slice(1);
}

/** The `$defs` keys of a domain's state, sorted. */
export function defKeysOf(domain: DomainModel): string[] {
  const defs = domain.state['$defs'];
  if (defs === null || typeof defs !== 'object' || Array.isArray(defs)) return [];
  return Object.keys(defs).sort();
}

export function createNaming(model: SystemModel): Naming {
  const taken = new Set<string>(RESERVED_NAMES);
  const claim = (candidate: string, fallbackSuffix: string): string => {
    let name = candidate;
    if (taken.has(name)) name = `${candidate}${fallbackSuffix}`;
    for (let n = 2; taken.has(name); n++) name = `${candidate}${fallbackSuffix}${n}`;
    taken.add(name);
    return name;
  };

  const services = new Map<string, ServiceNames>();
  for (const service of model.services) {
    const base = claim(toPascalCase(service.name), '');
    for (const suffix of ['Types', 'Context', 'Handler']) taken.add(base + suffix);
    services.set(service.name, {
      base,
      types: `${base}Types`,
      context: `${base}Context`,
      handler: `${base}Handler`,
      create: `create${base}`,
      define: `define${base}`,
      file: service.name,
    });
  }

  const domainTypes = new Map<string, string>();
  for (const domain of model.domains) domainTypes.set(domain.name, claim(toPascalCase(domain.name), 'State'));

  const defCounts = new Map<string, number>();
  for (const domain of model.domains) {
    for (const key of defKeysOf(domain)) {
      const candidate = toPascalCase(key);
      defCounts.set(candidate, (defCounts.get(candidate) ?? 0) + 1);
    }
  }
  const domains = new Map<string, DomainNames>();
  for (const domain of model.domains) {
    const type = domainTypes.get(domain.name)!;
    const defs = new Map<string, string>();
    for (const key of defKeysOf(domain)) {
      const candidate = toPascalCase(key);
      const shared = (defCounts.get(candidate) ?? 0) > 1 || taken.has(candidate);
      defs.set(key, claim(shared ? `${type}${candidate}` : candidate, ''));
    }
    const camel = type[0]!.toLowerCase() + type.slice(1);
    domains.set(domain.name, { type, is: `is${type}`, explain: `explain${type}`, spec: `${camel}Domain`, defs });
  }

  return {
    service(name) {
      const names = services.get(name);
      if (!names) throw new Error(`internal: no service named ${name}`);
      return names;
    },
    domain(name) {
      const names = domains.get(name);
      if (!names) throw new Error(`internal: no domain named ${name}`);
      return names;
    },
  };
}
