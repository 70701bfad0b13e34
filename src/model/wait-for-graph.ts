/**
 * Loops in the service wait-for graph (MANIFEST.md): one per strongly connected component,
 * found by an iterative Tarjan (no recursion, so 10,000 services cannot overflow the stack)
 * and named by one concrete, deterministically chosen loop.
 */
import { createDependencyCycleDiagnostic, type DependencyLoop, type Diagnostic } from '../manifest/diagnostics.js';
import { compareStrings as cmp } from './compare.js';
import type { WaitForEdge } from './types.js';

export interface ServiceLoop extends DependencyLoop {
  /** Every service of the strongly connected component, sorted. */
  readonly component: readonly string[];
  /** The edges of the named loop, in order; `edges[0]` is its first link. */
  readonly edges: readonly WaitForEdge[];
}

function compareEdges(a: WaitForEdge, b: WaitForEdge): number {
  return cmp(a.to, b.to) || cmp(a.domain, b.domain) || cmp(a.dependency, b.dependency);
}

/**
 * Strongly connected components with more than one service (self-edges never count: a
 * service depending on its own domain is `self-dependency`, not a loop), each with the
 * loop that starts at its smallest service name and returns to it by a shortest path.
 * Linear in services + edges.
 */
export function findServiceLoops(services: readonly string[], edges: readonly WaitForEdge[]): ServiceLoop[] {
  const names = [...new Set([...services, ...edges.flatMap((e) => [e.from, e.to])])].sort(cmp);
  const indexOf = new Map(names.map((n, i) => [n, i]));
  const n = names.length;
  const outgoing: WaitForEdge[][] = names.map(() => []);
  for (const edge of edges) {
    if (edge.from === edge.to) continue;
    outgoing[indexOf.get(edge.from)!]!.push(edge);
  }
  for (const list of outgoing) list.sort(compareEdges);
  const targets = outgoing.map((list) => list.map((e) => indexOf.get(e.to)!));

  // Iterative Tarjan: `work` replaces the call stack, `cursor[v]` is v's next edge to explore.
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const cursor = new Int32Array(n);
  const stack: number[] = [];
  const work: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    work.push(root);
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length > 0) {
      const v = work[work.length - 1]!;
      const next = targets[v]!;
      if (cursor[v]! < next.length) {
        const w = next[cursor[v]!]!;
        cursor[v]!++;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push(w);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, index[w]!);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low[parent] = Math.min(low[parent]!, low[v]!);
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        if (component.length > 1) components.push(component);
      }
    }
  }

  const componentOf = new Int32Array(n).fill(-1);
  components.forEach((c, i) => c.forEach((v) => (componentOf[v] = i)));
  const loops = components.map((component, ci) => nameLoop(component, ci, componentOf, outgoing, targets, names));
  return loops.sort((a, b) => cmp(a.services[0]!, b.services[0]!));
}

/** BFS from the component's smallest service back to itself, staying inside the component. */
function nameLoop(
  component: readonly number[],
  ci: number,
  componentOf: Int32Array,
  outgoing: readonly (readonly WaitForEdge[])[],
  targets: readonly (readonly number[])[],
  names: readonly string[],
): ServiceLoop {
  // Names are sorted, so the smallest index is the smallest name.
  const start = Math.min(...component);
  const parentEdge = new Map<number, WaitForEdge>();
  const parent = new Map<number, number>();
  const queue: number[] = [start];
  const seen = new Set<number>([start]);
  let closing: { from: number; edge: WaitForEdge } | undefined;
  for (let head = 0; head < queue.length && closing === undefined; head++) {
    const v = queue[head]!;
    const list = outgoing[v]!;
    const next = targets[v]!;
    for (let i = 0; i < next.length; i++) {
      const w = next[i]!;
      if (componentOf[w] !== ci) continue;
      if (w === start) {
        closing = { from: v, edge: list[i]! };
        break;
      }
      if (seen.has(w)) continue;
      seen.add(w);
      parent.set(w, v);
      parentEdge.set(w, list[i]!);
      queue.push(w);
    }
  }
  // A strongly connected component always has a path back to its start.
  const path: WaitForEdge[] = [closing!.edge];
  for (let v = closing!.from; v !== start; v = parent.get(v)!) path.push(parentEdge.get(v)!);
  path.reverse();
  return {
    services: [...path.map((e) => e.from), names[start]!],
    domains: path.map((e) => e.dependency),
    requiredBy: path.map((e) => e.domain),
    component: component.map((v) => names[v]!).sort(cmp),
    edges: path,
  };
}

/** One `dependency-cycle` diagnostic per loop, at the `dependsOn` entry of its first link. */
export function findDependencyLoops(services: readonly string[], edges: readonly WaitForEdge[]): Diagnostic[] {
  return diagnoseLoops(findServiceLoops(services, edges));
}

/** The `dependency-cycle` diagnostics of loops already found. */
export function diagnoseLoops(loops: readonly ServiceLoop[]): Diagnostic[] {
  return loops.map((loop) => createDependencyCycleDiagnostic(loop.edges[0]!.location, loop));
}
