/**
 * Every child process and every closable resource a benchmark starts is registered here,
 * so that whatever happens (a thrown error, Ctrl-C, a timeout) nothing outlives the run.
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
const closers = new Set<() => Promise<void> | void>();
let installed = false;

function killAllChildrenNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        // A SIGSTOPped child ignores SIGTERM until continued; SIGKILL works regardless.
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllChildrenNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllChildrenNow();
      process.exit(130);
    });
  }
}

/** Registers a child so it is SIGKILLed when the run ends, however it ends. */
export function trackChild(child: ChildProcess): ChildProcess {
  installHandlers();
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Registers a cleanup (close a client, stop a broker); returns a function that runs and unregisters it. */
export function trackCloser(close: () => Promise<void> | void): () => Promise<void> {
  installHandlers();
  closers.add(close);
  return async () => {
    if (!closers.delete(close)) return;
    await close();
  };
}

/** Runs every registered cleanup (bounded in time) and kills every child. */
export async function cleanUpEverything(timeoutMs = 5_000): Promise<void> {
  const pending = [...closers].map(async (close) => {
    closers.delete(close);
    try {
      await close();
    } catch {
      // best effort: the process is ending
    }
  });
  await Promise.race([Promise.all(pending), delay(timeoutMs)]);
  killAllChildrenNow();
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with a message naming what was awaited when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every `everyMs` until it holds; rejects after `ms`. */
export async function waitUntil(condition: () => boolean, ms: number, what: string, everyMs = 1): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(everyMs);
  }
}
