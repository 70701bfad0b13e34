/**
 * The rules above single schemas: versions, owners, dependencies, added and removed domains,
 * and where each change is shown in the new file.
 */
import { describe, expect, it } from 'vitest';
import { buildSystem } from '../../src/model/build-system.js';
import { createChangeLocator } from '../../src/model/locate-change.js';
import { diffSystems } from '../../src/model/system-diff.js';
import type { SystemModel } from '../../src/model/types.js';

function system(files: Record<string, string>): SystemModel {
  const build = buildSystem(Object.entries(files).map(([path, text]) => ({ path, text })), { system: 'test', folder: 'schemas' });
  expect(build.diagnostics).toEqual([]);
  return build.model!;
}

function manifest(domain: string, owner: string, version: number, state: string[], dependsOn: string[] = []): string {
  return [`domain: ${domain}`, `owner: ${owner}`, `version: ${version}`, ...(dependsOn.length > 0 ? ['dependsOn:', ...dependsOn.map((d) => `  - ${d}`)] : []), 'state:', '  type: object', '  additionalProperties: false', '  properties:', ...state.map((s) => `    ${s}`), ''].join('\n');
}

const lamp = (level: string, version = 1, owner = 'lamp-service'): string => manifest('lamp', owner, version, ['on: { type: boolean }', `level: { type: integer, minimum: 0, maximum: ${level} }`]);
const room = (deps: string[] = ['lamp']): string => manifest('room', 'room-service', 1, ['name: { type: string }'], deps);

describe('diffSystems', () => {
  it('unchanged manifests: every domain unchanged, ok', () => {
    const diff = diffSystems(system({ 'schemas/lamp.yaml': lamp('100') }), system({ 'schemas/lamp.yaml': lamp('100') }));
    expect(diff.domains.map((d) => [d.domain, d.verdict])).toEqual([['lamp', 'unchanged']]);
    expect(diff.ok).toBe(true);
  });

  it('a breaking change without a version bump fails, pointing at `version`; with a bump it passes', () => {
    const before = system({ 'schemas/lamp.yaml': lamp('100') });
    const breaking = diffSystems(before, system({ 'schemas/lamp.yaml': lamp('50') }));
    expect(breaking.ok).toBe(false);
    const [d] = breaking.domains;
    expect(d!.verdict).toBe('breaking');
    expect(d!.problems).toEqual([expect.objectContaining({ code: 'breaking-without-bump', path: ['version'] })]);
    expect(d!.changes[0]).toMatchObject({ kind: 'narrowed', keyword: 'maximum', path: ['state', 'properties', 'level', 'maximum'], oldReadsNew: 'ok', newReadsOld: 'breaks' });

    const bumped = diffSystems(before, system({ 'schemas/lamp.yaml': lamp('50', 2) }));
    expect(bumped.ok).toBe(true);
    expect(bumped.domains[0]!.verdict).toBe('bumped');
    expect(bumped.domains[0]!.changes.map((c) => c.kind)).toEqual(['narrowed', 'version-bumped']);
  });

  it('a widening breaks old readers of new states: it needs a bump too', () => {
    const diff = diffSystems(system({ 'schemas/lamp.yaml': lamp('100') }), system({ 'schemas/lamp.yaml': lamp('1000') }));
    expect(diff.domains[0]!.changes[0]).toMatchObject({ kind: 'widened', oldReadsNew: 'breaks', newReadsOld: 'ok' });
    expect(diff.ok).toBe(false);
  });

  it('a lowered version fails', () => {
    const diff = diffSystems(system({ 'schemas/lamp.yaml': lamp('100', 3) }), system({ 'schemas/lamp.yaml': lamp('100', 2) }));
    expect(diff.domains[0]!.problems.map((p) => p.code)).toEqual(['version-lowered']);
    expect(diff.ok).toBe(false);
  });

  it('a new owner breaks both directions (foreign-owner): it needs a bump', () => {
    const before = system({ 'schemas/lamp.yaml': lamp('100') });
    const moved = diffSystems(before, system({ 'schemas/lamp.yaml': lamp('100', 1, 'light-service') }));
    expect(moved.domains[0]!.changes[0]).toMatchObject({ kind: 'owner-changed', oldReadsNew: 'breaks', newReadsOld: 'breaks' });
    expect(moved.ok).toBe(false);
    expect(diffSystems(before, system({ 'schemas/lamp.yaml': lamp('100', 2, 'light-service') })).ok).toBe(true);
  });

  it('an added domain passes; dependsOn changes pass and say who now waits', () => {
    const before = system({ 'schemas/lamp.yaml': lamp('100'), 'schemas/room.yaml': room([]) });
    const diff = diffSystems(before, system({ 'schemas/lamp.yaml': lamp('100'), 'schemas/room.yaml': room(['lamp']), 'schemas/z.yaml': manifest('zone', 'zone-service', 1, ['x: { type: string }']) }));
    expect(diff.ok).toBe(true);
    expect(diff.domains.map((d) => [d.domain, d.verdict])).toEqual([['lamp', 'unchanged'], ['room', 'compatible'], ['zone', 'added']]);
    expect(diff.domains[1]!.changes[0]).toMatchObject({ kind: 'dependency-added', oldReadsNew: 'ok', newReadsOld: 'ok', at: { file: 'schemas/room.yaml', line: 5 } });
    expect(diff.domains[1]!.changes[0]!.message).toContain('`room-service` now waits for it');
  });

  it('a removed domain fails while a remaining domain required it in the earlier manifests; passes once none did', () => {
    const before = system({ 'schemas/lamp.yaml': lamp('100'), 'schemas/room.yaml': room() });
    const removed = diffSystems(before, system({ 'schemas/room.yaml': room([]) }));
    expect(removed.ok).toBe(false);
    expect(removed.domains[0]).toMatchObject({ domain: 'lamp', verdict: 'removed', side: 'old', file: 'schemas/lamp.yaml' });
    expect(removed.domains[0]!.problems[0]!.code).toBe('removed-with-dependants');
    expect(removed.domains[0]!.problems[0]!.message).toContain('`room` (room-service)');

    const stepTwo = diffSystems(system({ 'schemas/lamp.yaml': lamp('100'), 'schemas/room.yaml': room([]) }), system({ 'schemas/room.yaml': room([]) }));
    expect(stepTwo.ok).toBe(true);
    const bothGone = diffSystems(before, system({ 'schemas/z.yaml': manifest('zone', 'zone-service', 1, ['x: { type: string }']) }));
    expect(bothGone.ok).toBe(true);
  });
});

describe('createChangeLocator', () => {
  it('finds a path in the right document of a multi-document file, and shortens a path that no longer exists', () => {
    const text = `${room([])}---\n${lamp('50')}`;
    const locate = createChangeLocator(new Map([['schemas/all.yaml', text]]));
    const fallback = { file: 'schemas/all.yaml', line: 1, column: 1 };
    const lines = text.split('\n');
    const max = locate('schemas/all.yaml', 'lamp', ['state', 'properties', 'level', 'maximum'], fallback);
    expect(lines[max.line - 1]!.slice(max.column - 1)).toMatch(/^maximum: 50/);
    const gone = locate('schemas/all.yaml', 'lamp', ['state', 'properties', 'color'], fallback);
    expect(lines[gone.line - 1]).toBe('  properties:');
    expect(locate('schemas/all.yaml', 'nope', ['state'], fallback)).toBe(fallback);
  });
});
