/** `topics.json` exactly as PROTOCOL.md shows it (no header: JSON has no comments) and a typed `topics.ts`. */
import type { SystemModel } from '../model/types.js';
import { PROTOCOL } from '../runtime/contract.js';
import { stateTopic, statusTopic } from '../runtime/envelope.js';
import type { GenerateContext } from './context.js';
import type { GeneratedFile } from './emitter.js';
import { docComment, propertyKey, quote } from './format.js';
import { tsHeader } from './header.js';

export interface TopicMap {
  readonly protocol: string;
  readonly system: string;
  readonly prefix: string;
  readonly domains: {
    readonly [domain: string]: {
      readonly owner: string;
      readonly version: number;
      readonly topic: string;
      readonly dependsOn: readonly { readonly domain: string; readonly optional: boolean }[];
    };
  };
  readonly services: {
    readonly [service: string]: { readonly status: string; readonly owns: readonly string[]; readonly waitsFor: readonly string[] };
  };
}

/** The topic map; the model's lists are already sorted by name. */
export function buildTopicMap(model: SystemModel, ctx: GenerateContext): TopicMap {
  const domains: Record<string, TopicMap['domains'][string]> = {};
  for (const d of model.domains) {
    domains[d.name] = {
      owner: d.owner,
      version: d.version,
      topic: stateTopic(ctx.prefix, d.name),
      dependsOn: [...d.dependsOn].sort((a, b) => (a.domain < b.domain ? -1 : 1)).map((dep) => ({ domain: dep.domain, optional: dep.optional })),
    };
  }
  const services: Record<string, TopicMap['services'][string]> = {};
  for (const s of model.services) {
    services[s.name] = { status: statusTopic(ctx.prefix, s.name), owns: [...s.owns].sort(), waitsFor: [...s.waitsFor].sort() };
  }
  return { protocol: PROTOCOL, system: ctx.system, prefix: ctx.prefix, domains, services };
}

/** A JSON value as a TypeScript literal: single quotes, bare keys, two-space indent. */
export function toTsLiteral(value: unknown, indent = ''): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => typeof v !== 'object' || v === null)) return `[${value.map((v) => toTsLiteral(v)).join(', ')}]`;
    return `[\n${value.map((v) => `${inner}${toTsLiteral(v, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${propertyKey(k)}: ${toTsLiteral(v, inner)},`).join('\n')}\n${indent}}`;
}

export function emitTopics(model: SystemModel, ctx: GenerateContext): GeneratedFile[] {
  const map = buildTopicMap(model, ctx);
  const ts = [
    tsHeader([`${ctx.manifestDir}/`]),
    docComment(['Every topic of the system (PROTOCOL.md): the same data as `topics.json`, typed.']),
    `export const topics = ${toTsLiteral(map)} as const;`,
    '',
    'export type Topics = typeof topics;',
    '',
  ].join('\n');
  return [
    { path: 'topics.json', content: `${JSON.stringify(map, null, 2)}\n` },
    { path: 'topics.ts', content: ts },
  ];
}
