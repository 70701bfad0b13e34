import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnoseLoops, findDependencyLoops, findServiceLoops } from '../../src/model/wait-for-graph.js';
import type { WaitForEdge } from '../../src/model/types.js';

const at = { file: 'x.yaml', line: 1, column: 1 };
const edge = (from: string, to: string, domain = `${from}-d`, dependency = `${to}-d`): WaitForEdge => ({ from, to, domain, dependency, location: at });

/** Oracle: a service is in a loop iff it can reach itself through at least one edge (self-edges excluded). */
function servicesInLoopsByBruteForce(services: readonly string[], edges: readonly WaitForEdge[]): string[] {
  const next = new Map(services.map((s) => [s, edges.filter((e) => e.from === s && e.to !== s).map((e) => e.to)]));
  return services.filter((start) => {
    const seen = new Set<string>();
    const todo = [...next.get(start)!];
    while (todo.length > 0) {
      const v = todo.pop()!;
      if (v === start) return true;
      if (seen.has(v)) continue;
      seen.add(v);
      todo.push(...next.get(v)!);
    }
    return false;
  });
}

describe('findServiceLoops', () => {
  it('agrees with brute-force reachability on random graphs, and names real loops', () => {
    const graph = fc
      .integer({ min: 1, max: 12 })
      .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: n * 3 })));
    fc.assert(
      fc.property(graph, ([n, pairs]) => {
        const services = Array.from({ length: n }, (_, i) => `s${String(i).padStart(2, '0')}`);
        const edges = pairs.map(([a, b]) => edge(services[a]!, services[b]!));
        const loops = findServiceLoops(services, edges);
        const reported = loops.flatMap((l) => l.component).sort();
        expect(reported).toEqual(servicesInLoopsByBruteForce(services, edges).sort());
        for (const loop of loops) {
          // A closed walk along real edges, starting at the component's smallest service.
          expect(loop.services[0]).toBe(loop.component[0]);
          expect(loop.services.at(-1)).toBe(loop.services[0]);
          expect(new Set(loop.services.slice(0, -1)).size).toBe(loop.services.length - 1);
          loop.domains.forEach((d, i) => {
            expect(edges.some((e) => e.from === loop.services[i] && e.to === loop.services[i + 1] && e.dependency === d)).toBe(true);
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same answer whatever the edge order', () => {
    const edges = [edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('b', 'a'), edge('d', 'e'), edge('e', 'd')];
    const forward = findDependencyLoops(['a', 'b', 'c', 'd', 'e'], edges);
    const backward = findDependencyLoops(['e', 'd', 'c', 'b', 'a'], [...edges].reverse());
    expect(backward).toEqual(forward);
    // Shortest way back from the smallest service: a → b → a, not a → b → c → a.
    expect(forward.map((d) => d.services)).toEqual([['a', 'b', 'a'], ['d', 'e', 'd']]);
  });

  it('handles a 10,000-service chain closed into one loop without overflowing the stack', () => {
    const n = 10_000;
    const services = Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(5, '0')}`);
    const edges = services.map((s, i) => edge(s, services[(i + 1) % n]!));
    const loops = findServiceLoops(services, edges);
    expect(loops).toHaveLength(1);
    expect(loops[0]!.services).toHaveLength(n + 1);
    expect(loops[0]!.component).toHaveLength(n);
    // And an open chain has none.
    expect(findServiceLoops(services, edges.slice(0, -1))).toEqual([]);
  });
});

describe('diagnoseLoops', () => {
  it('gives the diagnostics findDependencyLoops gives, from loops already found', () => {
    const edges = [edge('a', 'b'), edge('b', 'a'), edge('c', 'd'), edge('d', 'c')];
    expect(diagnoseLoops(findServiceLoops(['a', 'b', 'c', 'd'], edges))).toEqual(findDependencyLoops(['a', 'b', 'c', 'd'], edges));
    expect(diagnoseLoops([])).toEqual([]);
  });
});
