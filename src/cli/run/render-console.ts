/**
 * The live view `chinook run` shows: every service's status and every domain's
 * availability, redrawn in place on a terminal. Pure: a snapshot in, text out.
 *
 * It fits the terminal it is given: no line is wider than `width` (so nothing wraps, and
 * the header is split between its parts, never inside a word), and there are never more
 * than `height` lines (so nothing scrolls and the header stays on top). When the full view
 * does not fit, it collapses step by step: no footer, fewer events, no blank lines, then
 * healthy services and domains summarised in one line each, problems always listed first.
 */

import { style, type Style } from '../style.js';

export interface ServiceRow {
  readonly name: string;
  /**
   * `exited`: the process ended (whatever the bus still says); `unknown`: the console's own
   * bus connection is down, so it cannot know; `paused`: online on the wire, but a required
   * dependency is lost (from the service's own report).
   */
  readonly status: 'online' | 'paused' | 'offline' | 'starting' | 'exited' | 'unknown';
  readonly pid?: number;
  /** Why the process ended, when it has. */
  readonly exit?: string;
  readonly owns: readonly string[];
  readonly waitsFor: readonly string[];
}

export interface DomainRow {
  readonly name: string;
  readonly owner: string;
  readonly availability: 'available' | 'stale' | 'missing';
  readonly seq?: number;
  /** Milliseconds since the last applied update. */
  readonly ageMs?: number;
  /** The state, as compact JSON (cut to fit). */
  readonly summary?: string;
}

/** The console's own connection to the bus. */
export type ConsoleConnection =
  | { readonly state: 'connected' }
  | { readonly state: 'disconnected'; readonly sinceMs: number; readonly reason?: string };

export interface ConsoleSnapshot {
  readonly system: string;
  readonly busUrl: string;
  readonly connection: ConsoleConnection;
  readonly services: readonly ServiceRow[];
  readonly domains: readonly DomainRow[];
  /** Most recent last. */
  readonly events: readonly string[];
  readonly rejected: number;
}

export interface RenderOptions {
  readonly color: boolean;
  /** Terminal columns: no line is longer. */
  readonly width: number;
  /** Terminal rows: never more lines than this. Unset: as many as the full view needs. */
  readonly height?: number;
}

/** A piece of a line with its style: lines are cut to the width before styling, so escapes never count. */
type Segment = readonly [text: string, style?: Style];
type Line = readonly Segment[];

function formatAge(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.floor((ms % 60_000) / 1000)}s`;
}

function cut(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : text.slice(0, width - 1) + '…';
}

const statusMark: Record<ServiceRow['status'], { mark: string; style: Style }> = {
  online: { mark: '●', style: 'green' },
  paused: { mark: '◐', style: 'yellow' },
  starting: { mark: '◌', style: 'yellow' },
  offline: { mark: '○', style: 'red' },
  exited: { mark: '✕', style: 'red' },
  unknown: { mark: '?', style: 'yellow' },
};

const availabilityStyle: Record<DomainRow['availability'], Style> = {
  available: 'green',
  stale: 'yellow',
  missing: 'red',
};

/** The header's parts, packed into as few lines as the width allows; a part is never split. */
function headerLines(snapshot: ConsoleSnapshot, width: number): Line[] {
  const online = snapshot.services.filter((x) => x.status === 'online' || x.status === 'paused').length;
  const available = snapshot.domains.filter((d) => d.availability === 'available').length;
  const c = snapshot.connection;
  const parts: Line[] = [
    [['chinook', 'bold'], [' '], [snapshot.system, 'cyan']],
    c.state === 'connected'
      ? [[`on ${snapshot.busUrl} `], ['● connected', 'green']]
      : [[`on ${snapshot.busUrl} `], [`○ disconnected ${formatAge(c.sinceMs)}${c.reason ? ` (${c.reason})` : ''}: statuses unknown`, 'red']],
    [[`${online}/${snapshot.services.length} services online`]],
    [[`${available}/${snapshot.domains.length} domains available`]],
    ...(snapshot.rejected > 0 ? [[[`${snapshot.rejected} rejected`, 'red']] as Line] : []),
  ];
  const lines: Segment[][] = [];
  for (const part of parts) {
    const last = lines[lines.length - 1];
    if (last !== undefined && lengthOf(last) + 3 + lengthOf(part) <= width) last.push([' · '], ...part);
    else lines.push([...part]);
  }
  return lines;
}

function lengthOf(line: Line): number {
  return line.reduce((n, [text]) => n + text.length, 0);
}

function serviceLines(rows: readonly ServiceRow[]): Line[] {
  const nameWidth = Math.max(7, ...rows.map((x) => x.name.length));
  return rows.map((row) => {
    const { mark, style } = statusMark[row.status];
    const rel = `${row.owns.join(', ')}${row.waitsFor.length > 0 ? ` → ${row.waitsFor.join(', ')}` : ''}`;
    return [
      [`  ${row.name.padEnd(nameWidth)}  `],
      [`${mark} ${row.status.padEnd(8)}`, style],
      [`  ${String(row.pid ?? '').padEnd(7)}  ${rel}`],
      ...(row.exit ? [[`  (${row.exit})`, 'red'] as Segment] : []),
    ];
  });
}

function serviceTitle(rows: readonly ServiceRow[]): Line {
  const nameWidth = Math.max(7, ...rows.map((x) => x.name.length));
  return [[`  ${'SERVICE'.padEnd(nameWidth)}  ${'STATUS'.padEnd(10)}  ${'PID'.padEnd(7)}  OWNS → WAITS FOR`, 'dim']];
}

function domainLines(rows: readonly DomainRow[]): Line[] {
  const nameWidth = Math.max(6, ...rows.map((d) => d.name.length));
  return rows.map((row) => [
    [`  ${row.name.padEnd(nameWidth)}  `],
    [row.availability.padEnd(9), availabilityStyle[row.availability]],
    [`  ${String(row.seq ?? '').padStart(6)}  ${formatAge(row.ageMs).padStart(6)}  `],
    [row.summary ?? '', 'dim'],
  ]);
}

function domainTitle(rows: readonly DomainRow[]): Line {
  const nameWidth = Math.max(6, ...rows.map((d) => d.name.length));
  return [[`  ${'DOMAIN'.padEnd(nameWidth)}  ${'STATE'.padEnd(9)}  ${'SEQ'.padStart(6)}  ${'AGE'.padStart(6)}  LATEST`, 'dim']];
}

/** Healthy rows folded into one summary line; the others (problems) stay, first. */
function collapse<R>(rows: readonly R[], healthy: (row: R) => boolean, describe: (count: string, names: string) => string, nameOf: (row: R) => string): { problems: R[]; summary: Line | undefined } {
  const problems = rows.filter((r) => !healthy(r));
  const fine = rows.filter(healthy);
  const count = problems.length === 0 ? `all ${fine.length}` : `${fine.length} more`;
  return { problems, summary: fine.length === 0 ? undefined : [[`  ${describe(count, fine.map(nameOf).join(', '))}`, 'dim']] };
}

interface Layout {
  readonly footer: boolean;
  readonly blanks: boolean;
  readonly collapseServices: boolean;
  readonly collapseDomains: boolean;
  /** Fewest events to show at this level (more when there is room). */
  readonly minEvents: number;
}

/** From the full view to the most compact: the first that fits is drawn. */
const LAYOUTS: readonly Layout[] = [
  { footer: true, blanks: true, collapseServices: false, collapseDomains: false, minEvents: 8 },
  { footer: false, blanks: true, collapseServices: false, collapseDomains: false, minEvents: 3 },
  { footer: false, blanks: false, collapseServices: false, collapseDomains: false, minEvents: 2 },
  { footer: false, blanks: false, collapseServices: true, collapseDomains: false, minEvents: 1 },
  { footer: false, blanks: false, collapseServices: true, collapseDomains: true, minEvents: 1 },
  { footer: false, blanks: false, collapseServices: true, collapseDomains: true, minEvents: 0 },
];

/** The rows of each table: every row, or the problems and one summary of the healthy. */
function tableRows(snapshot: ConsoleSnapshot, layout: Pick<Layout, 'collapseServices' | 'collapseDomains'>): { services: Line[]; domains: Line[] } {
  const services = layout.collapseServices
    ? collapse(snapshot.services, (s) => s.status === 'online', (n, names) => `${n} online: ${names}`, (s) => s.name)
    : { problems: [...snapshot.services], summary: undefined };
  const domains = layout.collapseDomains
    ? collapse(snapshot.domains, (d) => d.availability === 'available', (n, names) => `${n} available: ${names}`, (d) => d.name)
    : { problems: [...snapshot.domains], summary: undefined };
  return {
    services: [...serviceLines(services.problems), ...(services.summary ? [services.summary] : [])],
    domains: [...domainLines(domains.problems), ...(domains.summary ? [domains.summary] : [])],
  };
}

function body(snapshot: ConsoleSnapshot, layout: Layout): Line[] {
  const blank: Line[] = layout.blanks ? [[]] : [];
  const rows = tableRows(snapshot, layout);
  return [...blank, serviceTitle(snapshot.services), ...rows.services, ...blank, domainTitle(snapshot.domains), ...rows.domains];
}

/** A table in `room` lines: its title, then as many rows as fit, the rest counted in one line. */
function squeeze(title: Line, rows: readonly Line[], room: number): Line[] {
  if (room <= 0) return [];
  if (rows.length + 1 <= room) return [title, ...rows];
  const shown = Math.max(0, room - 2);
  const more: Line = [[`  … ${rows.length - shown} more`, 'dim']];
  return room === 1 ? [more] : [title, ...rows.slice(0, shown), more];
}

const FOOTER: Line = [['  Ctrl-C stops everything · kill a service\'s pid to watch its dependents react', 'dim']];

function eventLines(events: readonly string[], count: number): Line[] {
  return count <= 0 ? [] : events.slice(-count).map((e): Line => [[`  ${e}`, 'dim']]);
}

function layoutLines(snapshot: ConsoleSnapshot, width: number, height: number): Line[] {
  const header = headerLines(snapshot, width);
  for (const layout of LAYOUTS) {
    const main = [...header, ...body(snapshot, layout)];
    const tail: Line[] = layout.footer ? [[], FOOTER] : [];
    const eventBlank = layout.blanks && snapshot.events.length > 0 ? 1 : 0;
    const room = height - main.length - tail.length - eventBlank;
    const wanted = Math.min(snapshot.events.length, layout.minEvents);
    if (room >= wanted) {
      const events = eventLines(snapshot.events, Math.min(room, snapshot.events.length));
      return [...main, ...(events.length > 0 && eventBlank ? [[]] : []), ...events, ...tail];
    }
  }
  // Not even the most compact body fits: the header first, then each table in half the rest.
  const rows = tableRows(snapshot, { collapseServices: true, collapseDomains: true });
  const room = height - header.length;
  const serviceRoom = Math.ceil(room / 2);
  return [...header, ...squeeze(serviceTitle(snapshot.services), rows.services, serviceRoom), ...squeeze(domainTitle(snapshot.domains), rows.domains, room - serviceRoom)].slice(0, height);
}

/** A line cut to `width` visible characters, without trailing blanks, then styled. */
function paint(line: Line, width: number, color: boolean): string {
  let left = width;
  const pieces: Segment[] = [];
  for (const [text, style] of line) {
    if (left <= 0) break;
    const piece = text.length <= left ? text : cut(text, left);
    left -= piece.length;
    pieces.push(style === undefined ? [piece] : [piece, style]);
  }
  while (pieces.length > 0 && pieces[pieces.length - 1]![0].trimEnd() === '') pieces.pop();
  const last = pieces.pop();
  if (last !== undefined) pieces.push(last[1] === undefined ? [last[0].trimEnd()] : [last[0].trimEnd(), last[1]]);
  return pieces.map(([piece, name]) => (color && name ? style(name, piece) : piece)).join('');
}

export function renderConsole(snapshot: ConsoleSnapshot, options: RenderOptions): string {
  const width = Math.max(10, options.width);
  const height = options.height === undefined ? Number.POSITIVE_INFINITY : Math.max(1, options.height);
  return layoutLines(snapshot, width, height)
    .map((line) => paint(line, width, options.color))
    .join('\n');
}
