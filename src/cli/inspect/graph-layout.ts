/**
 * The dependency graph laid out for an SVG: services in layers (what nobody else waits for
 * at the bottom, providers above the services that wait for them), each box listing the
 * domains it owns (the page colours them by availability), edges as curves from a service
 * up to the one it waits for. Hand-written: a layered layout of a few dozen boxes is ~100
 * lines, a graph-layout library (dagre, elkjs) would be the biggest thing in the package.
 */
import type { GraphEdgeView, GraphNode, GraphResponse } from './api-types.js';

export interface LayoutInput {
  readonly system: string;
  readonly services: readonly { readonly name: string; readonly owns: readonly string[] }[];
  /** `from` waits for `dependency`, a domain of `to`. */
  readonly edges: readonly { readonly from: string; readonly to: string; readonly dependency: string; readonly optional: boolean }[];
  /** Each loop as its services in order. */
  readonly loops: readonly (readonly string[])[];
}

const CHAR = 7;
const TITLE = 30;
const CHIP_H = 20;
const CHIP_GAP = 4;
const PAD = 10;
const GAP_X = 36;
const GAP_Y = 70;
const MARGIN = 20;
const MAX_ROW = 260;
/** A service owning more domains shows this many, then `+N more` (the table lists them all). */
const MAX_CHIPS = 12;
/** Rows wider than this wrap: a page shows the graph at a readable size. */
const WRAP = 1200;

interface Box {
  name: string;
  width: number;
  height: number;
  chips: { name: string; dx: number; dy: number; width: number; more?: true }[];
}

function measure(service: LayoutInput['services'][number]): Box {
  const nameWidth = service.name.length * CHAR + 26;
  const inner = Math.min(MAX_ROW, Math.max(120, nameWidth, service.owns.length > 2 ? MAX_ROW : 0));
  const chips: Box['chips'] = [];
  let x = 0;
  let row = 0;
  let widest = 0;
  const shown = service.owns.length > MAX_CHIPS ? service.owns.slice(0, MAX_CHIPS - 1) : service.owns;
  const labels = shown.map((name) => ({ name, more: false }));
  if (shown.length < service.owns.length) labels.push({ name: `+${service.owns.length - shown.length} more`, more: true });
  for (const { name, more } of labels) {
    const width = name.length * CHAR + 16;
    if (x > 0 && x + width > inner) {
      x = 0;
      row++;
    }
    chips.push({ name, dx: PAD + x, dy: TITLE + row * (CHIP_H + CHIP_GAP), width, ...(more ? { more: true as const } : {}) });
    x += width + CHIP_GAP;
    widest = Math.max(widest, x - CHIP_GAP);
  }
  const rows = labels.length === 0 ? 0 : row + 1;
  return { name: service.name, width: Math.max(inner, widest) + 2 * PAD, height: TITLE + rows * (CHIP_H + CHIP_GAP) + PAD - (rows > 0 ? CHIP_GAP : 0), chips };
}

/** Layer of each service: 0 for those that wait for nobody, else one above the highest it waits for. Loop edges do not count. */
function assignLayers(names: readonly string[], waitsOn: ReadonlyMap<string, readonly string[]>): Map<string, number> {
  const layer = new Map<string, number>();
  const onPath = new Set<string>();
  for (const root of names) {
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (layer.has(top.name) && top.next === 0) {
        stack.pop();
        continue;
      }
      onPath.add(top.name);
      const targets = waitsOn.get(top.name) ?? [];
      const target = targets[top.next++];
      if (target !== undefined) {
        // A target on the current path closes a loop the caller did not list: ignore that edge.
        if (!layer.has(target) && !onPath.has(target)) stack.push({ name: target, next: 0 });
        continue;
      }
      layer.set(top.name, Math.max(0, ...targets.map((t) => (layer.get(t) ?? -1) + 1)));
      onPath.delete(top.name);
      stack.pop();
    }
  }
  return layer;
}

export function layoutGraph(input: LayoutInput): GraphResponse {
  const names = input.services.map((s) => s.name).sort();
  const loopPairs = new Set<string>();
  for (const loop of input.loops) for (let i = 0; i < loop.length; i++) loopPairs.add(`${loop[i]}\u0000${loop[(i + 1) % loop.length]}`);
  const inLoop = (from: string, to: string): boolean => loopPairs.has(`${from}\u0000${to}`);

  const merged = new Map<string, { from: string; to: string; dependencies: string[]; optional: boolean }>();
  for (const e of input.edges) {
    if (e.from === e.to) continue;
    const key = `${e.from}\u0000${e.to}`;
    const m = merged.get(key) ?? { from: e.from, to: e.to, dependencies: [], optional: true };
    m.dependencies.push(e.dependency);
    m.optional &&= e.optional;
    merged.set(key, m);
  }
  const waitsOn = new Map<string, string[]>();
  for (const m of merged.values()) {
    if (inLoop(m.from, m.to)) continue;
    waitsOn.set(m.from, [...(waitsOn.get(m.from) ?? []), m.to].sort());
  }
  const layers = assignLayers(names, waitsOn);
  const depth = Math.max(0, ...layers.values());
  const boxes = new Map(input.services.map((s) => [s.name, measure(s)]));

  // Rows from the top (providers) down; within a row, ordered by where what they wait for sits.
  const rows: string[][] = Array.from({ length: depth + 1 }, () => []);
  for (const name of names) rows[layers.get(name)!]!.push(name);
  const centre = new Map<string, number>();
  const nodes: GraphNode[] = [];
  let y = MARGIN;
  const widthOf = (row: readonly string[]): number => row.reduce((w, n) => w + boxes.get(n)!.width, 0) + GAP_X * Math.max(0, row.length - 1);
  const widest = Math.max(0, ...[...boxes.values()].map((b) => b.width));
  const width = Math.max(200, widest, Math.min(WRAP, Math.max(0, ...rows.map(widthOf)))) + 2 * MARGIN;
  for (const row of rows) {
    const weight = (n: string): number => {
      const targets = (waitsOn.get(n) ?? []).filter((t) => centre.has(t));
      return targets.length === 0 ? Number.POSITIVE_INFINITY : targets.reduce((s, t) => s + centre.get(t)!, 0) / targets.length;
    };
    row.sort((a, b) => weight(a) - weight(b) || (a < b ? -1 : 1));
    // A layer wider than WRAP continues on the next line.
    for (const line of wrapRow(row, (n) => boxes.get(n)!.width, width - 2 * MARGIN)) {
      let x = (width - widthOf(line)) / 2;
      const height = Math.max(...line.map((n) => boxes.get(n)!.height));
      for (const name of line) {
        const box = boxes.get(name)!;
        centre.set(name, x + box.width / 2);
        nodes.push({ name, x, y, width: box.width, height: box.height, domains: box.chips.map((c) => ({ name: c.name, x: x + c.dx, y: y + c.dy, width: c.width, ...(c.more ? { more: true as const } : {}) })) });
        x += box.width + GAP_X;
      }
      y += height + GAP_Y;
    }
  }
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const edges: GraphEdgeView[] = [...merged.values()]
    .sort((a, b) => (a.from + '\u0000' + a.to < b.from + '\u0000' + b.to ? -1 : 1))
    .filter((m) => byName.has(m.from) && byName.has(m.to))
    .map((m) => ({ from: m.from, to: m.to, dependencies: m.dependencies.sort(), optional: m.optional, loop: inLoop(m.from, m.to), path: curve(byName.get(m.from)!, byName.get(m.to)!) }));
  return { system: input.system, width, height: y - GAP_Y + MARGIN, nodes, edges, loops: input.loops.map((l) => [...l]) };
}

/** Splits a row into lines no wider than `max` (a box wider than that alone on its line). */
function wrapRow(row: readonly string[], widthOf: (name: string) => number, max: number): string[][] {
  const lines: string[][] = [];
  let line: string[] = [];
  let used = 0;
  for (const name of row) {
    const w = widthOf(name);
    if (line.length > 0 && used + GAP_X + w > max) {
      lines.push(line);
      line = [];
      used = 0;
    }
    used += (line.length > 0 ? GAP_X : 0) + w;
    line.push(name);
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/** From the top of the waiting service to the bottom of the one it waits for (or beside it, in the same row). */
function curve(from: GraphNode, to: GraphNode): string {
  const x1 = from.x + from.width / 2;
  const x2 = to.x + to.width / 2;
  const r = (v: number): number => Math.round(v * 10) / 10;
  if (to.y + to.height <= from.y) {
    const y1 = from.y;
    const y2 = to.y + to.height;
    const bend = (y1 - y2) / 2;
    return `M${r(x1)},${r(y1)} C${r(x1)},${r(y1 - bend)} ${r(x2)},${r(y2 + bend)} ${r(x2)},${r(y2)}`;
  }
  // Upwards is taken; a loop edge goes back down (or along a row): leave from the bottom, arrive at the top.
  const y1 = from.y + from.height;
  const y2 = to.y;
  const bend = Math.max(40, Math.abs(y2 - y1) / 2);
  return `M${r(x1)},${r(y1)} C${r(x1)},${r(y1 + bend)} ${r(x2)},${r(y2 - bend)} ${r(x2)},${r(y2)}`;
}
