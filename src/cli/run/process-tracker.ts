/**
 * What the console knows of each service process, from the supervisor's events: its pid,
 * whether its own report says it is paused, how it ended; and which services failed.
 */
import type { ChildEvents } from './supervise.js';

export type ProcessView = { pid?: number; exit?: string; paused?: boolean };

export interface ProcessTracker {
  /** For the supervisor: each event updates the views and is noted. */
  readonly events: ChildEvents;
  readonly processes: ReadonlyMap<string, ProcessView>;
  /**
   * Every service that ended other than by a clean stop, with why: any one makes the exit
   * non-zero, even when the run is stopped later with Ctrl-C (CLI.md).
   */
  readonly failures: ReadonlyMap<string, string>;
  /** Resolves once every one of the `count` services has ended for good. */
  readonly allEnded: Promise<void>;
}

/** A runtime report line that pauses (`paused: …`) or resumes (`resumed`) a service, or undefined. */
export function pausedByReport(text: string): boolean | undefined {
  if (text.startsWith('paused: ')) return true;
  if (text === 'resumed' || text === 'stopped' || text.startsWith('stopped: ')) return false;
  return undefined;
}

export function trackProcesses(count: number, note: (line: string) => void): ProcessTracker {
  const processes = new Map<string, ProcessView>();
  const failures = new Map<string, string>();
  let remaining = count;
  let ended: () => void = () => undefined;
  const allEnded = new Promise<void>((resolve) => (ended = resolve));
  const update = (service: string, change: ProcessView): void => void processes.set(service, { ...processes.get(service), ...change });
  const events: ChildEvents = {
    started(service, pid) {
      processes.set(service, { pid });
      note(`${service} started (pid ${pid})`);
    },
    output(service, line) {
      // A child's runtime already names itself (`chinook <service>: …`); say it once.
      const own = `chinook ${service}: `;
      const text = line.startsWith(own) ? line.slice(own.length) : line;
      const paused = pausedByReport(text);
      if (paused !== undefined) update(service, { paused });
      note(`${service}: ${text}`);
    },
    restarting(service, description, delayMs) {
      update(service, { exit: `${description}, restarting` });
      note(`${service} ${description}; restarting in ${(delayMs / 1000).toFixed(1)} s`);
      failures.set(service, `${service} ${description} (restarted)`);
    },
    exited(service, description) {
      update(service, { exit: description });
      note(`${service} ${description}`);
      if (description !== 'stopped' && !failures.has(service)) failures.set(service, `${service} ${description}`);
      if (--remaining === 0) ended();
    },
  };
  return { events, processes, failures, allEnded };
}
