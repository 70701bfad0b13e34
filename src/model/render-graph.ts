/**
 * Pure renderers of a dependency graph: Mermaid (also used by codegen's diagram), Graphviz
 * DOT and JSON. Services are nodes listing their domains; an edge `a → b` means a's domain
 * depends on one of b's, labelled with the domains depended on; optional edges are dashed;
 * services and edges of a loop are red.
 */
import type { DependencyGraph, GraphEdge } from './dependency-graph.js';

export type GraphFormat = 'mermaid' | 'dot' | 'json';

/** Edges between the same two services and of the same kind, drawn as one line. */
interface DrawnEdge {
  readonly from: string;
  readonly to: string;
  readonly optional: boolean;
  /** Domains depended on, sorted, unique. */
  readonly dependencies: readonly string[];
  readonly inLoop: boolean;
}

function loopServices(graph: DependencyGraph): Map<string, number> {
  const component = new Map<string, number>();
  graph.loops.forEach((loop, i) => loop.component.forEach((s) => component.set(s, i)));
  return component;
}

function isLoopEdge(edge: GraphEdge, component: ReadonlyMap<string, number>): boolean {
  const c = component.get(edge.from);
  return !edge.optional && c !== undefined && component.get(edge.to) === c;
}

function drawnEdges(graph: DependencyGraph): DrawnEdge[] {
  const component = loopServices(graph);
  const merged = new Map<string, { from: string; to: string; optional: boolean; dependencies: Set<string>; inLoop: boolean }>();
  for (const edge of graph.edges) {
    const key = `${edge.from}\u0000${edge.to}\u0000${edge.optional}`;
    const entry = merged.get(key) ?? { from: edge.from, to: edge.to, optional: edge.optional, dependencies: new Set<string>(), inLoop: false };
    entry.dependencies.add(edge.dependency);
    entry.inLoop ||= isLoopEdge(edge, component);
    merged.set(key, entry);
  }
  // graph.edges is sorted by (from, to, …); required before optional between the same pair.
  return [...merged.values()]
    .map((e) => ({ ...e, dependencies: [...e.dependencies].sort() }))
    .sort((a, b) => (a.from !== b.from ? (a.from < b.from ? -1 : 1) : a.to !== b.to ? (a.to < b.to ? -1 : 1) : Number(a.optional) - Number(b.optional)));
}

function mermaidId(name: string): string {
  return name.replace(/-/g, '_');
}

export function renderMermaid(graph: DependencyGraph): string {
  const component = loopServices(graph);
  const lines = ['flowchart LR'];
  for (const service of graph.services) {
    lines.push(`  ${mermaidId(service.name)}["<b>${service.name}</b><br/>${service.owns.join(', ')}"]`);
  }
  const edges = drawnEdges(graph);
  edges.forEach((edge) => {
    const arrow = edge.optional ? '-.->' : '-->';
    lines.push(`  ${mermaidId(edge.from)} ${arrow}|"${edge.dependencies.join(', ')}"| ${mermaidId(edge.to)}`);
  });
  if (component.size > 0) {
    lines.push('  classDef loop fill:#fdd,stroke:#d00,stroke-width:2px,color:#900');
    lines.push(`  class ${[...component.keys()].sort().map(mermaidId).join(',')} loop`);
    const loopEdges = edges.flatMap((e, i) => (e.inLoop ? [i] : []));
    if (loopEdges.length > 0) lines.push(`  linkStyle ${loopEdges.join(',')} stroke:#d00,stroke-width:2px`);
  }
  return lines.join('\n') + '\n';
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function renderDot(graph: DependencyGraph): string {
  const component = loopServices(graph);
  const lines = [`digraph ${dotString(graph.system)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const service of graph.services) {
    const red = component.has(service.name) ? ', color=red, fontcolor=red, penwidth=2' : '';
    lines.push(`  ${dotString(service.name)} [label=${dotString(`${service.name}\n${service.owns.join(', ')}`)}${red}];`);
  }
  for (const edge of drawnEdges(graph)) {
    const attrs = [`label=${dotString(edge.dependencies.join(', '))}`];
    if (edge.optional) attrs.push('style=dashed');
    if (edge.inLoop) attrs.push('color=red', 'fontcolor=red', 'penwidth=2');
    lines.push(`  ${dotString(edge.from)} -> ${dotString(edge.to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function renderGraphJson(graph: DependencyGraph): string {
  const component = loopServices(graph);
  return (
    JSON.stringify(
      {
        system: graph.system,
        services: graph.services.map((s) => ({ name: s.name, owns: s.owns, inLoop: component.has(s.name) })),
        edges: graph.edges.map((e) => ({ from: e.from, to: e.to, domain: e.domain, dependency: e.dependency, optional: e.optional, inLoop: isLoopEdge(e, component) })),
        loops: graph.loops.map((l) => ({ services: l.services, domains: l.domains, component: l.component })),
      },
      null,
      2,
    ) + '\n'
  );
}

export const graphRenderers: Record<GraphFormat, (graph: DependencyGraph) => string> = {
  mermaid: renderMermaid,
  dot: renderDot,
  json: renderGraphJson,
};
