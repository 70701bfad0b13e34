/**
 * `chinook run … --no-console` as a child process, read the way a person reads it: one
 * line per event. Each line is parsed into what it says (a service's status, a domain's
 * availability, a child process started or ended, a child's own output), so tests wait
 * for what a user would look for, with generous timeouts and no timing assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BIN, ROOT } from '../manifest/run-cli.js';

interface TopicMap {
  readonly prefix: string;
  readonly domains: { readonly [name: string]: { readonly owner: string; readonly version: number; readonly topic: string } };
  readonly services: { readonly [name: string]: { readonly status: string; readonly owns: readonly string[]; readonly waitsFor: readonly string[] } };
}

/** The reference system, as its generated topic map describes it. */
export const REFERENCE: TopicMap = JSON.parse(readFileSync(new URL('../../generated/topics.json', import.meta.url), 'utf8')) as TopicMap;
export const SERVICES = Object.keys(REFERENCE.services).sort();
export const DOMAINS = Object.keys(REFERENCE.domains).sort();

export type Availability = 'available' | 'stale' | 'missing';

/** What one line of the line-mode output says. */
export type RunEvent =
  | { readonly type: 'status'; readonly service: string; readonly status: 'online' | 'offline' }
  | { readonly type: 'domain'; readonly domain: string; readonly availability: Availability; readonly seq?: number }
  | { readonly type: 'started'; readonly service: string; readonly pid: number }
  | { readonly type: 'ended'; readonly service: string; readonly how: string }
  | { readonly type: 'output'; readonly service: string; readonly text: string }
  | { readonly type: 'other'; readonly text: string };

const CLOCK = /^\d\d:\d\d:\d\d /;

/** Parses one line of `chinook run --no-console` (without its clock). */
export function parseRunLine(line: string, services: readonly string[] = SERVICES): RunEvent {
  const text = line.replace(CLOCK, '');
  let m = /^domain (\S+) is (available|stale|missing)(?: \(seq (\d+)\))?$/.exec(text);
  if (m) return { type: 'domain', domain: m[1]!, availability: m[2] as Availability, ...(m[3] ? { seq: Number(m[3]) } : {}) };
  for (const service of services) {
    if (!text.startsWith(service)) continue;
    const rest = text.slice(service.length);
    if (rest === ' is online' || rest === ' is offline') return { type: 'status', service, status: rest === ' is online' ? 'online' : 'offline' };
    m = /^ started \(pid (\d+)\)$/.exec(rest);
    if (m) return { type: 'started', service, pid: Number(m[1]) };
    if (/^ (stopped|killed by \S+|exited with code \d+|could not start: .*)$/.test(rest)) return { type: 'ended', service, how: rest.slice(1) };
    if (rest.startsWith(': ')) return { type: 'output', service, text: rest.slice(2) };
  }
  return { type: 'other', text };
}

export interface RunningSystem {
  readonly child: ChildProcess;
  /** Every stdout line so far (with clocks), for failure messages and docs. */
  readonly lines: readonly string[];
  readonly stderr: () => string;
  readonly events: readonly RunEvent[];
  /** Last status each service was shown with. */
  status(service: string): 'online' | 'offline' | undefined;
  availability(domain: string): Availability | undefined;
  pid(service: string): number | undefined;
  /** How each child process ended, once it has. */
  ended(service: string): string | undefined;
  /** Resolves once `check` holds (re-checked on every line); rejects after `timeoutMs` saying what it waited for. */
  waitUntil(what: string, check: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running (for afterAll). */
  kill(): void;
}

/** Starts `node bin/chinook.js run <args> --no-console` in the repository (the reference system), or in `cwd`. */
export function startRun(args: readonly string[], cwd: string = ROOT): RunningSystem {
  const child = spawn(process.execPath, [BIN, 'run', ...args, '--no-console'], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const lines: string[] = [];
  const events: RunEvent[] = [];
  const statuses = new Map<string, 'online' | 'offline'>();
  const availabilities = new Map<string, Availability>();
  const pids = new Map<string, number>();
  const endings = new Map<string, string>();
  const waiters = new Set<() => void>();
  let stderr = '';
  let exited = false;
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    const event = parseRunLine(line);
    events.push(event);
    if (event.type === 'status') statuses.set(event.service, event.status);
    else if (event.type === 'domain') availabilities.set(event.domain, event.availability);
    else if (event.type === 'started') pids.set(event.service, event.pid);
    else if (event.type === 'ended') endings.set(event.service, event.how);
    for (const wake of waiters) wake();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      for (const wake of waiters) wake();
      resolve({ code, signal });
    });
  });
  // Never leave a system running if the test process dies first.
  const onExit = (): void => void child.kill('SIGKILL');
  process.once('exit', onExit);
  void exit.then(() => process.off('exit', onExit));

  const system: RunningSystem = {
    child,
    lines,
    stderr: () => stderr,
    events,
    status: (service) => statuses.get(service),
    availability: (domain) => availabilities.get(domain),
    pid: (service) => pids.get(service),
    ended: (service) => endings.get(service),
    exit,
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
    waitUntil(what, check, timeoutMs = 120_000) {
      return new Promise<void>((resolve, reject) => {
        const settle = (): void => {
          if (check()) {
            done();
            resolve();
          } else if (exited) {
            done();
            reject(new Error(`chinook run ended before: ${what}\n--- stdout:\n${lines.join('\n')}\n--- stderr:\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`not within ${timeoutMs} ms: ${what}\n--- stdout:\n${lines.join('\n')}\n--- stderr:\n${stderr}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(settle);
        };
        waiters.add(settle);
        settle();
      });
    },
  };
  return system;
}

/** Every reference service online and every domain available, as the output shows it. */
export function waitForConvergence(system: RunningSystem, timeoutMs = 120_000): Promise<void> {
  return system.waitUntil(
    'every service online and every domain available',
    () => SERVICES.every((s) => system.status(s) === 'online') && DOMAINS.every((d) => system.availability(d) === 'available'),
    timeoutMs,
  );
}

/** The services whose owned domains require `domain` (its dependents that wait for it). */
export function dependentsOf(domain: string): string[] {
  return SERVICES.filter((s) => REFERENCE.services[s]!.waitsFor.includes(domain));
}

/**
 * kill -9 of `victim`'s process, then waits until it is shown offline, its domain stale and
 * every dependent reports the loss; returns how long the offline took (ms from the kill).
 */
export async function killAndWaitOffline(system: RunningSystem, victim: string, domain: string, timeoutMs: number): Promise<number> {
  const killedAt = Date.now();
  process.kill(system.pid(victim)!, 'SIGKILL');
  const lost = (service: string): boolean =>
    system.events.some((e) => e.type === 'output' && e.service === service && e.text.includes(`required dependency "${domain}" lost`));
  await system.waitUntil(
    `${victim} offline and ${domain} stale after kill -9`,
    () => system.status(victim) === 'offline' && system.availability(domain) === 'stale',
    timeoutMs,
  );
  const detectedMs = Date.now() - killedAt;
  await system.waitUntil(`${dependentsOf(domain).join(', ')} report ${domain} lost`, () => dependentsOf(domain).every(lost));
  return detectedMs;
}
