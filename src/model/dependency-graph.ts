/** The picture of a system's dependencies: what `chinook graph` and codegen's diagram draw. */
import { compareStrings as cmp } from './compare.js';
import type { SystemModel } from './types.js';
import { findServiceLoops, type ServiceLoop } from './wait-for-graph.js';

export interface GraphService {
  readonly name: string;
  /** Sorted. */
  readonly owns: readonly string[];
}

/** `from` receives `dependency` (owned by `to`) because its domain `domain` depends on it. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly domain: string;
  readonly dependency: string;
  /** Optional dependencies do not wait (drawn dashed). */
  readonly optional: boolean;
}

export interface DependencyGraph {
  readonly system: string;
  /** Sorted by name. */
  readonly services: readonly GraphService[];
  /** Sorted by (from, to, dependency, domain); never between a service and itself. */
  readonly edges: readonly GraphEdge[];
  /** Loops of the wait-for graph (empty for a valid system). */
  readonly loops: readonly ServiceLoop[];
}

export function sortGraphEdges(edges: readonly GraphEdge[]): GraphEdge[] {
  return [...edges].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.dependency, b.dependency) || cmp(a.domain, b.domain));
}

/** The graph of a valid system. */
export function createDependencyGraph(model: SystemModel): DependencyGraph {
  const edges: GraphEdge[] = [];
  for (const domain of model.domains) {
    for (const dependency of domain.dependsOn) {
      const target = model.domainsByName.get(dependency.domain);
      if (!target || target.owner === domain.owner) continue;
      edges.push({ from: domain.owner, to: target.owner, domain: domain.name, dependency: dependency.domain, optional: dependency.optional });
    }
  }
  return {
    system: model.name,
    services: model.services.map((s) => ({ name: s.name, owns: s.owns })),
    edges: sortGraphEdges(edges),
    loops: findServiceLoops(model.services.map((s) => s.name), model.waitsFor),
  };
}
