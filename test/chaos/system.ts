/**
 * The system the chaos scenarios attack: `source` owns `d0`; every other service `sN`
 * owns `dN`, requires `d0` and watches every other domain (optional dependencies), so each
 * service's update callbacks see every state it applies. States are `{ value, by }`:
 * `by` names the writer, so a forged state is recognisable wherever it lands.
 *
 * Built as data the way generated code describes a system (compiled ajv validators),
 * so the scenarios run the real runtime on real brokers, nothing mocked.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { DomainSpec, ServiceSpec, ServiceTypes, SystemSpec, ValidationIssue } from '../../src/runtime/index.js';

export interface ChaosState {
  readonly value: number;
  readonly by: string;
}

export interface ChaosTypes extends ServiceTypes {
  readonly state: { readonly [domain: string]: ChaosState };
  readonly owned: string;
  readonly required: string;
  readonly watched: string;
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['value', 'by'],
  properties: { value: { type: 'integer' }, by: { type: 'string', maxLength: 64 } },
} as const;

const validate = new Ajv2020({ strict: true }).compile(schema);

function domainSpec(prefix: string, name: string, owner: string): DomainSpec {
  return {
    name,
    owner,
    version: 1,
    topic: `${prefix}/state/${name}`,
    is: (value: unknown): value is unknown => validate(value),
    explain: (value: unknown): readonly ValidationIssue[] =>
      validate(value) ? [] : (validate.errors ?? []).map((e) => ({ path: e.instancePath, keyword: e.keyword, message: e.message ?? 'invalid' })),
  };
}

export function serviceName(index: number): string {
  return index === 0 ? 'source' : `s${index}`;
}

export function domainName(index: number): string {
  return `d${index}`;
}

/** `count` services (at least 2): `source` and `s1 … s(count-1)`. */
export function createChaosSpec(system: string, count: number): SystemSpec {
  const prefix = `chinook/${system}`;
  const indexes = Array.from({ length: count }, (_, i) => i);
  const domains: Record<string, DomainSpec> = {};
  const services: Record<string, ServiceSpec> = {};
  for (const i of indexes) {
    const name = serviceName(i);
    domains[domainName(i)] = domainSpec(prefix, domainName(i), name);
    services[name] = {
      name,
      statusTopic: `${prefix}/status/${name}`,
      owns: [domainName(i)],
      waitsFor: i === 0 ? [] : [domainName(0)],
      optional: indexes.filter((j) => j !== i && (i === 0 || j !== 0)).map(domainName).sort(),
    };
  }
  return { protocol: 'chinook/1', system, prefix, domains, services };
}
