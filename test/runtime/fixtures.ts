/**
 * A hand-made SystemSpec, as the generator would emit it: three domains with
 * hand-written type guards (`is`) and explanations (`explain`).
 *
 *   power-service    owns power
 *   lighting-service owns lighting, requires power
 *   climate-service  owns climate, optionally watches lighting
 */
import type { DomainSpec, ServiceTypes, SystemSpec, ValidationIssue } from '../../src/runtime/index.js';

export interface Power {
  readonly watts: number;
  readonly source: 'grid' | 'solar';
}
export interface Lighting {
  readonly lamps: readonly { readonly id: string; readonly on: boolean }[];
}
export interface Climate {
  readonly celsius: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isPower(v: unknown): v is Power {
  return isObject(v) && typeof v['watts'] === 'number' && v['watts'] >= 0 && (v['source'] === 'grid' || v['source'] === 'solar');
}
function explainPower(v: unknown): ValidationIssue[] {
  if (!isObject(v)) return [{ path: '', keyword: 'type', message: 'must be object' }];
  const issues: ValidationIssue[] = [];
  if (typeof v['watts'] !== 'number') issues.push({ path: '/watts', keyword: 'type', message: 'must be number' });
  else if (v['watts'] < 0) issues.push({ path: '/watts', keyword: 'minimum', message: 'must be >= 0' });
  if (v['source'] !== 'grid' && v['source'] !== 'solar') issues.push({ path: '/source', keyword: 'enum', message: 'must be equal to one of the allowed values' });
  return issues;
}

function isLamp(v: unknown): boolean {
  return isObject(v) && typeof v['id'] === 'string' && typeof v['on'] === 'boolean';
}
function isLighting(v: unknown): v is Lighting {
  return isObject(v) && Array.isArray(v['lamps']) && v['lamps'].every(isLamp);
}
function explainLighting(v: unknown): ValidationIssue[] {
  if (!isObject(v)) return [{ path: '', keyword: 'type', message: 'must be object' }];
  if (!Array.isArray(v['lamps'])) return [{ path: '/lamps', keyword: 'type', message: 'must be array' }];
  return v['lamps'].flatMap((lamp, i) => (isLamp(lamp) ? [] : [{ path: `/lamps/${i}`, keyword: 'type', message: 'must be a lamp {id, on}' }]));
}

function isClimate(v: unknown): v is Climate {
  return isObject(v) && typeof v['celsius'] === 'number';
}
function explainClimate(v: unknown): ValidationIssue[] {
  if (!isObject(v)) return [{ path: '', keyword: 'type', message: 'must be object' }];
  return typeof v['celsius'] === 'number' ? [] : [{ path: '/celsius', keyword: 'type', message: 'must be number' }];
}

export function createTestSystem(system = 'home'): SystemSpec {
  const prefix = `chinook/${system}`;
  const domain = <T>(name: string, owner: string, is: (v: unknown) => v is T, explain: (v: unknown) => ValidationIssue[]): DomainSpec =>
    ({ name, owner, version: 1, topic: `${prefix}/state/${name}`, is, explain }) as DomainSpec;
  return {
    protocol: 'chinook/1',
    system,
    prefix,
    domains: {
      climate: domain('climate', 'climate-service', isClimate, explainClimate),
      lighting: domain('lighting', 'lighting-service', isLighting, explainLighting),
      power: domain('power', 'power-service', isPower, explainPower),
    },
    services: {
      'climate-service': { name: 'climate-service', statusTopic: `${prefix}/status/climate-service`, owns: ['climate'], waitsFor: [], optional: ['lighting'] },
      'lighting-service': { name: 'lighting-service', statusTopic: `${prefix}/status/lighting-service`, owns: ['lighting'], waitsFor: ['power'], optional: [] },
      'power-service': { name: 'power-service', statusTopic: `${prefix}/status/power-service`, owns: ['power'], waitsFor: [], optional: [] },
    },
  };
}

type AllState = { readonly power: Power; readonly lighting: Lighting; readonly climate: Climate };

export interface PowerTypes extends ServiceTypes {
  readonly state: AllState;
  readonly owned: 'power';
  readonly required: never;
  readonly watched: 'power';
}
export interface LightingTypes extends ServiceTypes {
  readonly state: AllState;
  readonly owned: 'lighting';
  readonly required: 'power';
  readonly watched: 'lighting' | 'power';
}
export interface ClimateTypes extends ServiceTypes {
  readonly state: AllState;
  readonly owned: 'climate';
  readonly required: never;
  readonly watched: 'climate' | 'lighting';
}

/** Wait until `check` holds, polling; fails with `what` after a generous timeout. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
