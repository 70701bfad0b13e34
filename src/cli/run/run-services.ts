/**
 * Runs services in this process until a stop signal, or until one of them ends on its own:
 * what `chinook run --in-process` and every service process do. It loads the bus, the runtime
 * (through the generated code) and the handlers, nothing of the toolchain: a service process
 * stays light.
 */
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { waitForStopSignal } from '../signals.js';
import { loadHandler, type CompiledProject, type LoadedProject } from './load-project.js';
import { createBus } from '../../bus/create-bus.js';
import { defaultPrefix, stateTopic, statusTopic } from '../../runtime/envelope.js';
import type { RunOptions, ServiceInstance, ServiceTypes, StopReason, SystemSpec } from '../../runtime/contract.js';

export interface RunSettings {
  readonly broker: string | undefined;
  readonly port: number;
  readonly system: string | undefined;
  readonly dependencyTimeoutMs: number;
  readonly onDependencyLost: 'pause' | 'exit';
  readonly keepaliveSeconds: number;
}

/** The same system under another name: every topic follows the prefix. */
export function renameSystem(spec: SystemSpec, system: string | undefined): SystemSpec {
  if (system === undefined || system === spec.system) return spec;
  const prefix = defaultPrefix(system);
  const domains = Object.fromEntries(
    Object.entries(spec.domains).map(([name, d]) => [name, { ...d, topic: stateTopic(prefix, name) }]),
  );
  const services = Object.fromEntries(
    Object.entries(spec.services).map(([name, s]) => [name, { ...s, statusTopic: statusTopic(prefix, name) }]),
  );
  return { ...spec, system, prefix, domains, services };
}

function describeStop(service: string, reason: StopReason): string {
  switch (reason.type) {
    case 'stopped':
      return `${service}: stopped`;
    case 'dependency-timeout':
      return `${service}: required dependencies never became available: ${reason.missing.join(', ')}`;
    case 'dependency-lost':
      return `${service}: required dependency \`${reason.domain}\` was lost (on-dependency-lost: exit)`;
    case 'bus-unreachable':
      return `${service}: the bus is unreachable: ${reason.message}`;
    case 'start-failed':
      return `${service}: onStart failed: ${reason.message}`;
  }
}

/** The runtime's errors are recognised by name, whichever copy of the runtime threw them. */
function isServiceStartError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ServiceStartError';
}

function busFactory(url: string, settings: RunSettings): RunOptions['bus'] {
  return (busOptions) => createBus(url, { ...busOptions, keepaliveSeconds: settings.keepaliveSeconds });
}

export interface InProcessRun {
  readonly project: LoadedProject;
  readonly compiled: CompiledProject;
  /** The handlers' folder, for messages. */
  readonly handlers: string;
  readonly names: readonly string[];
  /** Each service's bus URL (its own credentials included). */
  readonly serviceUrl: (service: string) => Promise<string>;
  readonly settings: RunSettings;
}

/** Runs services in this process until a stop signal, or until one of them ends on its own. */
export async function runInProcess(run: InProcessRun): Promise<ExitCode> {
  const { project, settings } = run;
  const instances: ServiceInstance<ServiceTypes>[] = [];
  for (const name of run.names) {
    const handler = await loadHandler(run.compiled, run.handlers, name);
    instances.push(
      project.services[name]!.create(handler, {
        bus: busFactory(await run.serviceUrl(name), settings),
        dependencyTimeoutMs: settings.dependencyTimeoutMs,
        onDependencyLost: settings.onDependencyLost,
      }),
    );
  }
  const signal = waitForStopSignal();
  try {
    const started = Promise.all(instances.map((i) => i.start()));
    const first = await Promise.race([started.then(() => 'started' as const), signal.promise.then(() => 'signal' as const)]);
    if (first === 'signal') {
      await Promise.all(instances.map((i) => i.stop()));
      return ExitCode.ok;
    }
    const ended = await Promise.race([
      signal.promise.then(() => undefined),
      ...instances.map((i) => i.done.then((reason) => ({ name: i.name, reason }))),
    ]);
    await Promise.all(instances.map((i) => i.stop()));
    if (ended === undefined || ended.reason.type === 'stopped') return ExitCode.ok;
    throw new CliError(describeStop(ended.name, ended.reason), ExitCode.failure);
  } catch (error) {
    await Promise.all(instances.map((i) => i.stop().catch(() => undefined)));
    if (isServiceStartError(error)) throw new CliError(error.message, ExitCode.failure);
    throw error;
  } finally {
    signal.dispose();
  }
}
