/**
 * A chaos service in a process of its own, so a scenario can SIGKILL, SIGSTOP and SIGCONT
 * it. It speaks over stdio: `publish N` in, `published N` / `ready EPOCH` out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./child-main.ts', import.meta.url));
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ChaosChild {
  readonly pid: number;
  readonly epoch: number;
  publish(value: number): Promise<void>;
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

export interface ChaosChildOptions {
  readonly url: string;
  readonly system: string;
  readonly count: number;
  readonly index: number;
  readonly keepaliveSeconds: number;
  readonly firstValue: number;
}

function waitForLine(lines: string[], waiters: Set<() => void>, child: ChildProcess, pattern: RegExp, what: string, output: () => string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`chaos child: no \`${what}\` within 30 s:\n${output()}`)), 30_000);
    const onExit = (): void => finish(new Error(`chaos child exited before \`${what}\`:\n${output()}`));
    const check = (): void => {
      for (const line of lines) {
        const match = pattern.exec(line);
        if (match) {
          lines.splice(lines.indexOf(line), 1);
          finish(undefined, match);
          return;
        }
      }
    };
    const finish = (error?: Error, match?: RegExpExecArray): void => {
      clearTimeout(timer);
      waiters.delete(check);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(match!);
    };
    child.once('exit', onExit);
    waiters.add(check);
    check();
  });
}

export async function spawnChaosChild(options: ChaosChildOptions): Promise<ChaosChild> {
  const args = [options.url, options.system, options.count, options.index, options.keepaliveSeconds, options.firstValue].map(String);
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    output += line + '\n';
    lines.push(line);
    for (const wake of [...waiters]) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await waitForLine(lines, waiters, child, /^ready (\d+)$/, 'ready', () => output);
  return {
    pid: child.pid!,
    epoch: Number(ready[1]),
    async publish(value) {
      child.stdin!.write(`publish ${value}\n`);
      await waitForLine(lines, waiters, child, new RegExp(`^published ${value}$`), `published ${value}`, () => output);
    },
    signal(signal) {
      child.kill(signal);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      running.delete(child);
    },
  };
}
