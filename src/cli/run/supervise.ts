import { spawn, type ChildProcess } from 'node:child_process';
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
  exited(service: string, description: string): void;
}

export interface Supervisor {
  readonly children: ReadonlyMap<string, ChildProcess>;
  /** SIGTERM every child (each publishes `offline` and exits); SIGKILL those that have not ended after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  return code === 0 ? 'stopped' : `exited with code ${code}`;
}

/**
 * Runs each service in a process of its own (the service-child entry), so that
 * one crashing, or being killed, is exactly what it would be in production: its will fires
 * and its dependents react, while the others go on.
 */
export function superviseServices(
  services: readonly string[],
  /** Each child's own additions to the environment (its job, bus URL and credentials: never on its command line). */
  childEnv: (service: string) => Readonly<Record<string, string>>,
  cwd: string,
  events: ChildEvents,
): Supervisor {
  const children = new Map<string, ChildProcess>();
  const ended = new Map<string, Promise<void>>();
  for (const service of services) {
    const child = spawn(process.execPath, [CHILD], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...childEnv(service) },
    });
    children.set(service, child);
    if (child.pid !== undefined) events.started(service, child.pid);
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => events.output(service, line));
    }
    ended.set(
      service,
      new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          events.exited(service, describeExit(code, signal));
          resolve();
        });
        child.once('error', (error) => {
          events.exited(service, `could not start: ${error.message}`);
          resolve();
        });
      }),
    );
  }
  return {
    children,
    async stop(graceMs = 5000) {
      for (const child of children.values()) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      }
      const timer = setTimeout(() => {
        for (const child of children.values()) {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }
      }, graceMs);
      await Promise.all(ended.values());
      clearTimeout(timer);
    },
  };
}
