/**
 * SystemSpecs for the runtime benchmarks, built as data the way generated code describes a
 * system: one compiled ajv validator per schema (the same code ajv's standalone output
 * contains), an `is` fast path and an `explain` slow path.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { DomainSpec, ServiceSpec, SystemSpec, ValidationIssue } from '../../src/runtime/contract.js';
import { plantStateSchema } from '../fixtures/plant-state.js';

type Validator = { (value: unknown): boolean; errors?: unknown };

const ajv = new Ajv2020({ allErrors: false, strict: true });
const compiled = new Map<object, Validator>();

function compile(schema: object): Validator {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema) as Validator;
    compiled.set(schema, validate);
  }
  return validate;
}

function makeDomainSpec(name: string, owner: string, topic: string, schema: object): DomainSpec {
  const validate = compile(schema);
  return {
    name,
    owner,
    version: 1,
    topic,
    is: (value: unknown): value is unknown => validate(value),
    explain: (value: unknown): readonly ValidationIssue[] => {
      if (validate(value)) return [];
      const errors = (validate.errors ?? []) as { instancePath: string; keyword: string; message?: string }[];
      return errors.map((e) => ({ path: e.instancePath, keyword: e.keyword, message: e.message ?? 'invalid' }));
    },
  };
}

export interface ServiceDraft {
  readonly name: string;
  readonly owns?: readonly string[];
  readonly waitsFor?: readonly string[];
  readonly optional?: readonly string[];
}

/** Builds a SystemSpec from services and a schema per domain (every domain owned by exactly one draft). */
export function buildSystemSpec(system: string, services: readonly ServiceDraft[], schemaOf: (domain: string) => object): SystemSpec {
  const prefix = `chinook/${system}`;
  const domains: Record<string, DomainSpec> = {};
  const specs: Record<string, ServiceSpec> = {};
  for (const draft of services) {
    for (const domain of draft.owns ?? []) domains[domain] = makeDomainSpec(domain, draft.name, `${prefix}/state/${domain}`, schemaOf(domain));
    specs[draft.name] = {
      name: draft.name,
      statusTopic: `${prefix}/status/${draft.name}`,
      owns: [...(draft.owns ?? [])].sort(),
      waitsFor: [...(draft.waitsFor ?? [])].sort(),
      optional: [...(draft.optional ?? [])].sort(),
    };
  }
  return { protocol: 'chinook/1', system, prefix, domains, services: specs };
}

/** Domain names `d0000` … that sort in numeric order. */
export function domainNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `d${String(i).padStart(4, '0')}`);
}

/**
 * The pair for update throughput/latency: `plant-controller` owns `plant`; `plant-monitor`
 * requires it (and owns a domain of its own, as a real service would).
 */
export function buildPairSystem(system = 'bench'): SystemSpec {
  return buildSystemSpec(
    system,
    [
      { name: 'plant-controller', owns: ['plant'] },
      { name: 'plant-monitor', owns: ['report'], waitsFor: ['plant'] },
    ],
    () => plantStateSchema,
  );
}

/**
 * `count` domains of the 600-byte nested state, owned by `owners` services (round-robin),
 * and `joiners` services that each require every one of them.
 */
export function buildWideSystem(options: { count: number; owners: number; joiners: number; system?: string }): SystemSpec {
  const names = domainNames(options.count);
  const owners: ServiceDraft[] = Array.from({ length: options.owners }, (_, o) => ({
    name: `owner-${o}`,
    owns: names.filter((_, i) => i % options.owners === o),
  }));
  const joiners: ServiceDraft[] = Array.from({ length: options.joiners }, (_, j) => ({ name: `joiner-${j}`, waitsFor: names }));
  return buildSystemSpec(options.system ?? 'wide', [...owners, ...joiners], () => plantStateSchema);
}

/** A protocol-conforming envelope, as an owner would publish it (for seeding retained state with a raw client). */
export function makeEnvelope(spec: SystemSpec, domain: string, state: unknown, epoch: number, seq: number): string {
  const d = spec.domains[domain];
  if (!d) throw new Error(`no domain ${domain}`);
  return JSON.stringify({ protocol: 'chinook/1', domain, owner: d.owner, version: d.version, epoch, seq, time: new Date().toISOString(), state });
}

export function makeStatus(service: string, status: 'online' | 'offline', epoch: number): string {
  return JSON.stringify({ protocol: 'chinook/1', service, status, epoch, time: new Date().toISOString() });
}
