import { CliError } from '../cli-error.js';
import type { CliContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { waitForStopSignal } from '../signals.js';
import type { LoadedProject } from './load-project.js';
import { observeSystem, type SystemObserver } from './observe-system.js';
import { createRejectionLines } from './rejection-lines.js';
import { renderConsole, type ConsoleConnection, type ConsoleSnapshot, type DomainRow, type ServiceRow } from './render-console.js';
import { trackProcesses, type ProcessView } from './process-tracker.js';
import type { ChildEvents, Supervisor } from './supervise.js';
import { BusError, type Bus } from '../../bus/bus.js';
import { createBus } from '../../bus/create-bus.js';
import { redactUrl } from '../../bus/url.js';
import { parseNatsUrl, topicToKv } from '../../bus/nats-mapping.js';
import type { Availability } from '../../runtime/contract.js';

export interface ConsoleRun {
  readonly project: LoadedProject;
  readonly names: readonly string[];
  readonly url: string;
  /** Redraw a live view (a terminal), or print one line per event (a pipe, a log). */
  readonly live: boolean;
  readonly ctx: CliContext;
  readonly start: (events: ChildEvents) => Supervisor;
}

const MAX_EVENTS = 20;
const REDRAW_MS = 250;

/** One line a person can read at a glance: `mode=auto rooms[4]`, `battery={percent=58 charging=false}`. */
export function summarizeState(state: unknown, depth = 0): string {
  if (Array.isArray(state)) return `[${state.length}]`;
  if (typeof state !== 'object' || state === null) return JSON.stringify(state) ?? '';
  const parts = Object.entries(state).map(([key, value]) =>
    Array.isArray(value) ? `${key}[${value.length}]`
    : typeof value === 'object' && value !== null ? (depth === 0 ? `${key}={${summarizeState(value, 1)}}` : `${key}={…}`)
    : `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  return parts.join(' ');
}

/** The console's events, newest last: kept for the live view (the last MAX_EVENTS), or printed one line each. */
export function createEventLog(live: boolean, out: CliContext['stdout'], clock = (): string => new Date().toISOString().slice(11, 19)): { note(line: string): void; readonly lines: readonly string[] } {
  const lines: string[] = [];
  return {
    lines,
    note(line) {
      const stamped = `${clock()} ${line}`;
      if (!live) {
        out.write(stamped + '\n');
        return;
      }
      lines.push(stamped);
      if (lines.length > MAX_EVENTS) lines.shift();
    },
  };
}

async function connectConsole(url: string): Promise<Bus> {
  const bus = createBus(url, { clientId: `chinook-console-${process.pid}` });
  try {
    await bus.connect();
  } catch (error) {
    // An unreachable or refusing broker is the user's to fix, not a crash: say so, exit 1.
    if (error instanceof BusError) throw new CliError(error.message, ExitCode.failure);
    throw error;
  }
  return bus;
}

/** One redraw of the live view; in line-by-line mode, the availability changes since the last call. */
function createTick(run: ConsoleRun, observer: SystemObserver, snapshot: () => ConsoleSnapshot, note: (line: string) => void): () => void {
  const out = run.ctx.stdout;
  const lastAvailability = new Map<string, Availability>();
  return () => {
    if (!run.live) {
      noteAvailabilityChanges(run.project.system, observer, lastAvailability, note);
      return;
    }
    const { columns = 100, rows } = out as { columns?: number; rows?: number };
    // No newline after the last line: at the terminal's last row it would scroll the header away.
    out.write('\x1b[H\x1b[J' + renderConsole(snapshot(), { color: run.ctx.color, width: columns, ...(rows ? { height: rows } : {}) }));
  };
}

/** A CliError naming every failed service, if any failed. */
function failureError(failures: ReadonlyMap<string, string>, total: number): CliError | undefined {
  if (failures.size === 0) return undefined;
  return new CliError(`${failures.size} of ${total} service${total === 1 ? '' : 's'} failed: ${[...failures.values()].join('; ')}`, ExitCode.failure);
}

/**
 * Starts the services (through `start`), watches the bus as a silent observer and shows
 * what every service would see, until Ctrl-C or until every service has ended.
 */
export async function runConsole(run: ConsoleRun): Promise<ExitCode> {
  const { project, ctx } = run;
  const out = ctx.stdout;
  const log = createEventLog(run.live, out);
  const note = log.note;
  const bus = await connectConsole(run.url);
  const connection = trackConnection(bus, note);
  const observer: SystemObserver = await observeSystem(bus, project.system, {
    status: (service, status) => note(`${service} is ${status}`),
    rejected: createRejectionLines(note),
  });
  const watch = describeWatchCommand(run.url, project.system.prefix);
  note(`bus ${showUrl(run.url)}${watch ? ` (watch it with: ${watch})` : ''}`);
  const tracker = trackProcesses(run.names.length, note);
  const supervisor = run.start(tracker.events);
  const tick = createTick(run, observer, () => buildSnapshot(run, observer, tracker.processes, connection.current(), log.lines), note);
  if (run.live) out.write('\x1b[?25l');
  const timer = setInterval(tick, REDRAW_MS);
  const signal = waitForStopSignal();
  try {
    const why = await Promise.race([signal.promise.then(() => 'signal' as const), tracker.allEnded.then(() => 'ended' as const)]);
    note(why === 'signal' ? 'stopping every service…' : 'every service has ended');
    await supervisor.stop();
    tick();
    const failed = failureError(tracker.failures, run.names.length);
    if (failed) throw failed;
    return why === 'signal' ? ExitCode.ok : ExitCode.failure;
  } finally {
    clearInterval(timer);
    signal.dispose();
    if (run.live) out.write('\x1b[?25h\n');
    connection.dispose();
    await bus.close().catch(() => undefined);
  }
}

/** For the line-by-line output: one line per domain whose availability changed since the last call. */
function noteAvailabilityChanges(system: LoadedProject['system'], observer: SystemObserver, last: Map<string, Availability>, note: (line: string) => void): void {
  for (const name of Object.keys(system.domains).sort()) {
    const availability = observer.availability(name);
    if ((last.get(name) ?? 'missing') !== availability) {
      last.set(name, availability);
      const seq = observer.domain(name)?.seq;
      note(`domain ${name} is ${availability}${seq !== undefined ? ` (seq ${seq})` : ''}`);
    }
  }
}

/**
 * What the console shows, at one moment. A process that has ended is `exited` whatever
 * its retained status says (a will can take seconds to fire, e.g. a Redis expiry); with
 * the console's own connection down, statuses of the living are `unknown`.
 */
export function buildSnapshot(
  run: Pick<ConsoleRun, 'project' | 'names' | 'url'>,
  observer: SystemObserver,
  processes: ReadonlyMap<string, ProcessView>,
  connection: ConsoleConnection,
  events: readonly string[],
  now = Date.now(),
): ConsoleSnapshot {
  const system = run.project.system;
  const services: ServiceRow[] = run.names.map((name) => {
    const spec = system.services[name]!;
    const proc = processes.get(name);
    const seen = observer.status(name);
    // Paused is not on the wire (the status stays online): the service's own report says it.
    const status: ServiceRow['status'] =
      proc?.exit !== undefined ? 'exited' : connection.state !== 'connected' ? 'unknown' : seen === 'online' && proc?.paused === true ? 'paused' : (seen ?? 'starting');
    return {
      name,
      status,
      ...(proc?.pid !== undefined ? { pid: proc.pid } : {}),
      ...(proc?.exit !== undefined ? { exit: proc.exit } : {}),
      owns: spec.owns,
      waitsFor: spec.waitsFor,
    };
  });
  const domains: DomainRow[] = Object.keys(system.domains)
    .sort()
    .map((name) => {
      const d = observer.domain(name);
      return {
        name,
        owner: system.domains[name]!.owner,
        availability: observer.availability(name),
        ...(d ? { seq: d.seq, ageMs: now - d.receivedAt, summary: summarizeState(d.state) } : {}),
      };
    });
  return { system: system.system, busUrl: showUrl(run.url), connection, services, domains, events: [...events], rejected: observer.rejected };
}

/** The console's own bus connection, as the header shows it; changes are noted as events. */
function trackConnection(bus: Bus, note: (line: string) => void): { current(): ConsoleConnection; dispose(): void } {
  let state: ConsoleConnection = { state: 'connected' };
  let since = 0;
  const dispose = bus.onEvent((event) => {
    if (event.type === 'disconnect' && state.state === 'connected') {
      since = Date.now();
      state = { state: 'disconnected', sinceMs: 0, reason: event.reason };
      note(`the console lost the bus (${event.reason}); reconnecting…`);
    } else if (event.type === 'connect' && state.state !== 'connected') {
      state = { state: 'connected' };
      note('the console is connected to the bus again');
    }
  });
  return {
    current: () => (state.state === 'connected' ? state : { ...state, sinceMs: Date.now() - since }),
    dispose,
  };
}

/** The URL as shown to people and logs: never with its password. */
export function showUrl(url: string): string {
  // nats:// may list several servers, which WHATWG URL does not parse: mask its userinfo by hand.
  if (/^nats:\/\//i.test(url)) return url.replace(/^(nats:\/\/)([^@/?#]*)@/i, (_, scheme: string, info: string) => `${scheme}${info.includes(':') ? `${info.slice(0, info.indexOf(':'))}:***` : '***'}@`);
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL: still never its password.
    return redactUrl(url);
  }
}

/** How to watch the bus with its own stock client: mosquitto_sub for MQTT, redis-cli for Redis, the nats CLI for NATS. */
export function describeWatchCommand(url: string, prefix: string): string | undefined {
  if (/^nats:\/\//i.test(url)) {
    try {
      const nats = parseNatsUrl(url);
      const auth = nats.user !== undefined ? ` --user ${nats.user} --password …` : nats.token !== undefined ? ' --token …' : '';
      return `nats --server ${nats.servers.join(',')}${auth} kv watch ${topicToKv(`${prefix}/state/x`).bucket}`;
    } catch {
      return undefined;
    }
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const host = parsed.hostname;
  const user = parsed.username ? ` -u ${decodeURIComponent(parsed.username)}` : '';
  switch (parsed.protocol) {
    case 'mqtt:':
    case 'mqtts:': {
      const tls = parsed.protocol === 'mqtts:';
      const port = parsed.port || (tls ? '8883' : '1883');
      return `mosquitto_sub -h ${host} -p ${port}${tls ? ' --capath /etc/ssl/certs' : ''}${user}${parsed.password ? ' -P …' : ''} -t '${prefix}/#' -v`;
    }
    case 'redis:':
    case 'rediss:': {
      const port = parsed.port || '6379';
      const tls = parsed.protocol === 'rediss:' ? ' --tls' : '';
      const auth = parsed.password ? `${user.replace('-u', '--user')} -a …` : '';
      return `redis-cli -h ${host} -p ${port}${tls}${auth} PSUBSCRIBE '${prefix}/*'`;
    }
    default:
      return undefined;
  }
}
