/** The inspector's small parts: what changed between states, the history ring, rates, the graph layout. */
import { describe, expect, it } from 'vitest';
import { diffStates } from '../../../src/cli/inspect/diff-state.js';
import { createDomainHistory } from '../../../src/cli/inspect/domain-history.js';
import { createRateMeter } from '../../../src/cli/inspect/rate-meter.js';
import { layoutGraph } from '../../../src/cli/inspect/graph-layout.js';

describe('diffStates', () => {
  it('lists changed, added and removed leaves as JSON Pointers', () => {
    const { changes, truncated } = diffStates({ a: 1, b: { c: [1, 2], 'x/y': true }, gone: 'z' }, { a: 2, b: { c: [1, 3, 4], 'x/y': true }, new: null });
    expect(truncated).toBe(false);
    expect(changes).toEqual(
      expect.arrayContaining([
        { path: '/a', kind: 'changed', before: 1, after: 2 },
        { path: '/b/c/1', kind: 'changed', before: 2, after: 3 },
        { path: '/b/c/2', kind: 'added', after: 4 },
        { path: '/gone', kind: 'removed', before: 'z' },
        { path: '/new', kind: 'added', after: null },
      ]),
    );
    expect(changes).toHaveLength(5);
  });
  it('is empty for equal states, one root change for a change of type, and stops at the limit', () => {
    expect(diffStates({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }).changes).toEqual([]);
    expect(diffStates([1], { 0: 1 }).changes).toEqual([{ path: '', kind: 'changed', before: [1], after: { 0: 1 } }]);
    const many = diffStates(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i])), Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, -i - 1])), 10);
    expect(many.changes).toHaveLength(10);
    expect(many.truncated).toBe(true);
  });
});

describe('createDomainHistory', () => {
  it('keeps the last N updates, newest first, each with what changed from the one before', () => {
    const history = createDomainHistory(3);
    for (let seq = 1; seq <= 6; seq++) history.record('d', { epoch: 1, seq, time: 't', receivedAt: seq, state: { n: seq } });
    const entries = history.entries('d');
    expect(entries.map((e) => e.seq)).toEqual([6, 5, 4]);
    // The oldest kept entry is still diffed against the update before it.
    expect(entries.map((e) => e.changes)).toEqual([5, 4, 3].map((n) => [{ path: '/n', kind: 'changed', before: n, after: n + 1 }]));
    expect(history.entries('other')).toEqual([]);
  });
});

describe('createRateMeter', () => {
  it('counts per second, keeps a minute, reports only domains that had updates', () => {
    const meter = createRateMeter(['a', 'b'], 3);
    meter.count('a');
    meter.count('a');
    expect(meter.roll()).toEqual({ a: 2 });
    meter.count('b');
    expect(meter.roll()).toEqual({ b: 1 });
    expect(meter.history('a')).toEqual([0, 2, 0]);
    expect(meter.roll()).toEqual({});
    expect(meter.roll()).toEqual({});
    expect(meter.all()).toEqual({ a: [0, 0, 0], b: [1, 0, 0] });
  });
});

describe('layoutGraph', () => {
  const services = ['app', 'db', 'cache', 'ui'].map((name) => ({ name, owns: [`${name}-state`] }));
  it('puts providers above the services that wait for them, boxes apart, edges between them', () => {
    const graph = layoutGraph({
      system: 's',
      services,
      edges: [
        { from: 'app', to: 'db', dependency: 'db-state', optional: false },
        { from: 'app', to: 'cache', dependency: 'cache-state', optional: true },
        { from: 'ui', to: 'app', dependency: 'app-state', optional: false },
      ],
      loops: [],
    });
    const y = Object.fromEntries(graph.nodes.map((n) => [n.name, n.y]));
    expect(y['db']).toBe(y['cache']);
    expect(y['db']!).toBeLessThan(y['app']!);
    expect(y['app']!).toBeLessThan(y['ui']!);
    for (const a of graph.nodes) {
      for (const b of graph.nodes) {
        if (a !== b) expect(a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y).toBe(true);
      }
      expect(a.x + a.width).toBeLessThanOrEqual(graph.width);
      expect(a.y + a.height).toBeLessThanOrEqual(graph.height);
      expect(a.domains.map((d) => d.name)).toEqual([`${a.name}-state`]);
    }
    expect(graph.edges.map((e) => [e.from, e.to, e.optional, e.loop])).toEqual([
      ['app', 'cache', true, false],
      ['app', 'db', false, false],
      ['ui', 'app', false, false],
    ]);
    expect(graph.edges[0]!.path).toMatch(/^M[\d.]+,[\d.]+ C/);
  });
  it('marks the edges of a loop and still lays every service out', () => {
    const graph = layoutGraph({
      system: 's',
      services,
      edges: [
        { from: 'app', to: 'db', dependency: 'db-state', optional: false },
        { from: 'db', to: 'app', dependency: 'app-state', optional: false },
        { from: 'ui', to: 'app', dependency: 'app-state', optional: false },
      ],
      loops: [['app', 'db']],
    });
    expect(graph.nodes).toHaveLength(4);
    expect(graph.loops).toEqual([['app', 'db']]);
    expect(graph.edges.filter((e) => e.loop).map((e) => `${e.from}>${e.to}`)).toEqual(['app>db', 'db>app']);
  });
  it('keeps a big system readable: a dozen chips per box at most, wide layers wrapped', () => {
    const many = Array.from({ length: 16 }, (_, s) => ({ name: `svc-${s}`, owns: Array.from({ length: 50 }, (_, d) => `d-${s}-${d}`) }));
    const graph = layoutGraph({ system: 's', services: many, edges: [], loops: [] });
    for (const node of graph.nodes) {
      expect(node.domains).toHaveLength(12);
      expect(node.domains[11]).toMatchObject({ name: '+39 more', more: true });
    }
    expect(graph.width).toBeLessThanOrEqual(1300);
    expect(new Set(graph.nodes.map((n) => n.y)).size).toBeGreaterThan(1);
  });
});
