import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { CompiledProject } from './load-project.js';
import type { RunSettings } from './run-services.js';
import { JOB_VARIABLE, type ServiceJob } from './service-job.js';

/**
 * The entry point of a service process (dist/cli/run/service-child.js, also when this file
 * runs from the sources): it loads the bus, the runtime, the generated code and the handler,
 * already compiled, and nothing of the CLI or the toolchain.
 */
const CHILD = fileURLToPath(new URL('../../../dist/cli/run/service-child.js', import.meta.url));

export interface ServiceJobSource {
  readonly service: string;
  readonly url: string;
  readonly compiled: CompiledProject;
  readonly handlers: string;
  readonly out: string;
  readonly settings: RunSettings;
}

/**
 * What a service process is told, through its environment: the URL may hold a password, and
 * command lines are visible to every user of the machine (`ps`).
 */
export function serviceJobEnv(source: ServiceJobSource): Record<string, string> {
  const { service, compiled, settings } = source;
  const job: ServiceJob = {
    service,
    generated: compiled.generated,
    ...(compiled.handlers[service] !== undefined ? { handler: compiled.handlers[service] } : {}),
    handlers: source.handlers,
    out: source.out,
    dependencyTimeoutMs: settings.dependencyTimeoutMs,
    onDependencyLost: settings.onDependencyLost,
    keepaliveSeconds: settings.keepaliveSeconds,
    ...(settings.system !== undefined ? { system: settings.system } : {}),
  };
  return { CHINOOK_BROKER: source.url, [JOB_VARIABLE]: JSON.stringify(job) };
}

export interface ChildEvents {
  started(service: string, pid: number): void;
  output(service: string, line: string): void;
  /** The process ended for good (no restart follows). */
  exited(service: string, description: string): void;
  /** The process failed and will be started again after `delayMs` (`--restart on-failure`). */
  restarting?(service: string, description: string, delayMs: number): void;
}

export interface Supervisor {
  readonly children: ReadonlyMap<string, ChildProcess>;
  /** SIGTERM every child (each publishes `offline` and exits); SIGKILL those that have not ended after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** `on-failure`: a child that crashes or exits non-zero is started again, after a backoff that doubles from `baseDelayMs` to `maxDelayMs`. */
export interface RestartPolicy {
  readonly mode: 'no' | 'on-failure';
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  return code === 0 ? 'stopped' : `exited with code ${code}`;
}

/** A child that ran this long before failing starts the backoff afresh (it was healthy). */
const HEALTHY_MS = 30_000;

/** The delay before the `failures`-th restart in a row (1-based): base, 2×base, 4×base … at most max. */
export function restartDelay(failures: number, policy: RestartPolicy): number {
  const base = policy.baseDelayMs ?? 1_000;
  return Math.min(policy.maxDelayMs ?? 30_000, base * 2 ** Math.max(0, failures - 1));
}

/** Starts one service process; its `started` and every line of its output go to `events`. */
function spawnService(service: string, cwd: string, env: Readonly<Record<string, string>>, events: ChildEvents): ChildProcess {
  const child = spawn(process.execPath, [CHILD], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  if (child.pid !== undefined) events.started(service, child.pid);
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => events.output(service, line));
  }
  return child;
}

/**
 * Calls `end` once when the child ends, with how and whether it failed; the promise resolves
 * then. A child that fails to spawn may report both `error` and `exit`: it ends once.
 */
export function whenEnded(child: Pick<EventEmitter, 'once'>, end: (description: string, failed: boolean) => void): Promise<void> {
  let finished = false;
  const finish = (description: string, failed: boolean): void => {
    if (finished) return;
    finished = true;
    end(description, failed);
  };
  return new Promise((resolve) => {
    child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      resolve();
      finish(describeExit(code, signal), code !== 0 || signal !== null);
    });
    child.once('error', (error: Error) => {
      resolve();
      finish(`could not start: ${error.message}`, false);
    });
  });
}

/** Failed services waiting for their restart (`on-failure`): each one's timer, and how its last process ended. */
export function createRestarts(policy: RestartPolicy, events: ChildEvents, relaunch: (service: string) => void): {
  /** Starts `service` again after its backoff; `ranMs`: how long the failed process ran. */
  schedule(service: string, description: string, ranMs: number): void;
  /** Cancels every pending restart: those services have ended for good. */
  cancel(): void;
} {
  const pending = new Map<string, { timer: NodeJS.Timeout; description: string }>();
  const failures = new Map<string, number>();
  return {
    schedule(service, description, ranMs) {
      const count = ranMs >= HEALTHY_MS ? 1 : (failures.get(service) ?? 0) + 1;
      failures.set(service, count);
      const delayMs = restartDelay(count, policy);
      events.restarting?.(service, description, delayMs);
      const timer = setTimeout(() => {
        pending.delete(service);
        relaunch(service);
      }, delayMs);
      pending.set(service, { timer, description });
    },
    cancel() {
      for (const [service, { timer, description }] of pending) {
        clearTimeout(timer);
        events.exited(service, description);
      }
      pending.clear();
    },
  };
}

/** SIGTERM every child still running; SIGKILL those that have not ended after `graceMs`. */
async function stopChildren(children: Iterable<ChildProcess>, ended: Iterable<Promise<void>>, graceMs: number): Promise<void> {
  const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;
  for (const child of children) if (running(child)) child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const child of children) if (running(child)) child.kill('SIGKILL');
  }, graceMs);
  await Promise.all(ended);
  clearTimeout(timer);
}

/**
 * Runs each service in a process of its own (the service-child entry), so that
 * one crashing, or being killed, is exactly what it would be in production: its will fires
 * and its dependents react, while the others go on. With `restart: on-failure` a failed
 * child is started again after a backoff; a clean stop never is.
 */
export function superviseServices(
  services: readonly string[],
  /** Each child's own additions to the environment (its job, bus URL and credentials: never on its command line). */
  childEnv: (service: string) => Readonly<Record<string, string>>,
  cwd: string,
  events: ChildEvents,
  restart: RestartPolicy = { mode: 'no' },
): Supervisor {
  const children = new Map<string, ChildProcess>();
  const ended = new Map<string, Promise<void>>();
  let stopping = false;
  const launch = (service: string): void => {
    const startedAt = Date.now();
    const child = spawnService(service, cwd, childEnv(service), events);
    children.set(service, child);
    const end = (description: string, failed: boolean): void => {
      if (!failed || stopping || restart.mode !== 'on-failure') events.exited(service, description);
      else restarts.schedule(service, description, Date.now() - startedAt);
    };
    ended.set(service, whenEnded(child, end));
  };
  const restarts = createRestarts(restart, events, launch);

  for (const service of services) launch(service);
  return {
    children,
    async stop(graceMs = 5000) {
      stopping = true;
      restarts.cancel();
      await stopChildren([...children.values()], [...ended.values()], graceMs);
    },
  };
}
