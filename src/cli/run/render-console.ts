/**
 * The live view `chinook run` shows: every service's status and every domain's
 * availability, redrawn in place on a terminal. Pure: a snapshot in, text out.
 */

export interface ServiceRow {
  readonly name: string;
  readonly status: 'online' | 'offline' | 'starting' | 'exited';
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

export interface ConsoleSnapshot {
  readonly system: string;
  readonly busUrl: string;
  readonly services: readonly ServiceRow[];
  readonly domains: readonly DomainRow[];
  /** Most recent last. */
  readonly events: readonly string[];
  readonly rejected: number;
}

export interface RenderOptions {
  readonly color: boolean;
  readonly width: number;
}

const codes = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m' } as const;
type Style = Exclude<keyof typeof codes, 'reset'>;

function styler(color: boolean): (style: Style, text: string) => string {
  return color ? (style, text) => `${codes[style]}${text}${codes.reset}` : (_style, text) => text;
}

function formatAge(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.floor((ms % 60_000) / 1000)}s`;
}

function cut(text: string, width: number): string {
  if (width <= 1) return '';
  return text.length <= width ? text : text.slice(0, width - 1) + '…';
}

const statusMark: Record<ServiceRow['status'], { mark: string; style: Style }> = {
  online: { mark: '●', style: 'green' },
  starting: { mark: '◌', style: 'yellow' },
  offline: { mark: '○', style: 'red' },
  exited: { mark: '✕', style: 'red' },
};

const availabilityStyle: Record<DomainRow['availability'], Style> = {
  available: 'green',
  stale: 'yellow',
  missing: 'red',
};

export function renderConsole(snapshot: ConsoleSnapshot, options: RenderOptions): string {
  const s = styler(options.color);
  const width = Math.max(60, options.width);
  const lines: string[] = [];
  const online = snapshot.services.filter((x) => x.status === 'online').length;
  const available = snapshot.domains.filter((d) => d.availability === 'available').length;
  lines.push(
    `${s('bold', 'chinook')} ${s('cyan', snapshot.system)}  on ${snapshot.busUrl}   ` +
      `${online}/${snapshot.services.length} services online · ${available}/${snapshot.domains.length} domains available` +
      (snapshot.rejected > 0 ? ` · ${s('red', `${snapshot.rejected} rejected`)}` : ''),
  );
  lines.push('');

  const nameWidth = Math.max(7, ...snapshot.services.map((x) => x.name.length));
  lines.push(s('dim', `  ${'SERVICE'.padEnd(nameWidth)}  ${'STATUS'.padEnd(9)}  ${'PID'.padEnd(7)}  OWNS → WAITS FOR`));
  for (const row of snapshot.services) {
    const { mark, style } = statusMark[row.status];
    const status = s(style, `${mark} ${row.status.padEnd(7)}`);
    const pid = String(row.pid ?? '').padEnd(7);
    const rel = `${row.owns.join(', ')}${row.waitsFor.length > 0 ? ` → ${row.waitsFor.join(', ')}` : ''}`;
    const exit = row.exit ? s('red', `  (${row.exit})`) : '';
    lines.push(`  ${row.name.padEnd(nameWidth)}  ${status}  ${pid}  ${rel}${exit}`);
  }
  lines.push('');

  const domainWidth = Math.max(6, ...snapshot.domains.map((d) => d.name.length));
  const fixed = 2 + domainWidth + 2 + 9 + 2 + 6 + 2 + 6 + 2;
  lines.push(s('dim', `  ${'DOMAIN'.padEnd(domainWidth)}  ${'STATE'.padEnd(9)}  ${'SEQ'.padStart(6)}  ${'AGE'.padStart(6)}  LATEST`));
  for (const row of snapshot.domains) {
    const availability = s(availabilityStyle[row.availability], row.availability.padEnd(9));
    const seq = String(row.seq ?? '').padStart(6);
    const age = formatAge(row.ageMs).padStart(6);
    lines.push(`  ${row.name.padEnd(domainWidth)}  ${availability}  ${seq}  ${age}  ${s('dim', cut(row.summary ?? '', width - fixed))}`);
  }
  if (snapshot.events.length > 0) {
    lines.push('');
    for (const event of snapshot.events) lines.push(s('dim', `  ${cut(event, width - 2)}`));
  }
  lines.push('');
  lines.push(s('dim', '  Ctrl-C stops everything · kill a service\'s pid to watch its dependents react'));
  return lines.join('\n');
}
