/**
 * The graph the page draws: from the manifests when they can be read (their loops included,
 * for a system run with `--no-check`), else from the generated system's waits-for lists.
 */
import type { DependencyGraph } from '../../model/dependency-graph.js';
import type { SystemSpec } from '../../runtime/contract.js';
import type { GraphResponse } from './api-types.js';
import { layoutGraph, type LayoutInput } from './graph-layout.js';

export function graphFromManifests(graph: DependencyGraph): GraphResponse {
  return layoutGraph({
    system: graph.system,
    services: graph.services,
    edges: graph.edges,
    loops: graph.loops.map((loop) => loop.services.slice(0, -1)),
  });
}

export function graphFromSystem(system: SystemSpec): GraphResponse {
  const edges: LayoutInput['edges'][number][] = [];
  for (const service of Object.values(system.services)) {
    const add = (dependency: string, optional: boolean): void => {
      const to = system.domains[dependency]?.owner;
      if (to !== undefined && to !== service.name) edges.push({ from: service.name, to, dependency, optional });
    };
    for (const d of service.waitsFor) add(d, false);
    for (const d of service.optional) add(d, true);
  }
  return layoutGraph({ system: system.system, services: Object.values(system.services), edges, loops: [] });
}
