/**
 * Scenario: start-up and resident memory of `chinook run` (what `npm start` does) on the
 * reference system (5 services), against a baseline of 5 bare node processes with mqtt.js,
 * connected and subscribed (bench/bare-service.mjs). Timed from the spawn of the first
 * process to the moment a watcher has seen every service's retained `online` status.
 * Each round is a fresh embedded aedes broker (in `chinook run`'s process, or in this
 * process for the baseline), so nothing retained carries over; rounds are interleaved.
 *
 * Memory: the resident set (VmRSS) of each service process 1 s after all are online; for
 * `--in-process`, the one process's RSS (embedded broker included) divided by 5.
 * Linux only (/proc): elsewhere the scenario says so and is skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedBroker } from '../src/bus/embedded-broker.js';
import { findFreePort } from './lib/brokers.js';
import { inRotatingOrder, type BenchContext } from './lib/context.js';
import { delay, trackChild, withTimeout } from './lib/processes.js';
import { connectRawMqtt, type RawClient } from './lib/raw-clients.js';
import { compareRow, spreadOf } from './lib/report.js';
import { median, nowMs } from './lib/stats.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.dirname(benchDir);
const SERVICES = ['climate-service', 'energy-service', 'lighting-service', 'presence-service', 'security-service'];
const MB = 1024 * 1024;

interface Round {
  /** Spawn to every service online. */
  readonly ms: number;
  /** RSS of each service process (bytes); in-process: the one process's RSS / services. */
  readonly rssPerService: number;
  /** CPU (user + system) of each service process until 1 s after online, ms; in-process: / services. */
  readonly cpuMsPerService: number;
}

function readProc(pid: number): { rss: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
  // Fields 14 and 15 of /proc/<pid>/stat (after the command in parentheses): utime, stime in clock ticks.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rss, cpuMs: (ticks * 1000) / 100 };
}

function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(/\s+/).map(Number);
}

/** Connects (retrying while the broker is not up yet) and resolves when every service's status is `online`. */
async function watchOnline(url: string, prefix: string): Promise<{ all: Promise<void>; close(): Promise<void> }> {
  let client: RawClient | undefined;
  const deadline = nowMs() + 60_000;
  for (let attempt = 0; client === undefined; attempt++) {
    try {
      client = await connectRawMqtt(url, { clientId: `startup-watch-${process.pid}-${attempt}` });
    } catch (error) {
      if (nowMs() > deadline) throw error;
      await delay(5);
    }
  }
  const online = new Set<string>();
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  client.onMessage((m) => {
    const name = m.topic.slice(`${prefix}/status/`.length);
    const status = (JSON.parse(m.payload.toString('utf8')) as { status?: string }).status;
    if (status === 'online') online.add(name);
    else online.delete(name);
    if (SERVICES.every((s) => online.has(s))) done();
  });
  await client.subscribe(`${prefix}/status/+`);
  const opened = client;
  return { all, close: () => opened.close() };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  await withTimeout(exited, 10_000, 'chinook run to stop').catch(() => child.kill('SIGKILL'));
}

/**
 * `chinook run` (embedded broker on a known port, so the watcher can join it); `inProcess` adds
 * --in-process. `dir`: the checkout to run (another one compares before and after a change).
 */
export async function chinookRound(inProcess: boolean, dir = repoDir): Promise<Round> {
  const port = await findFreePort();
  const url = `mqtt://127.0.0.1:${port}`;
  const t0 = nowMs();
  const args = ['bin/chinook.js', 'run', '--port', String(port), '--no-console', ...(inProcess ? ['--in-process'] : [])];
  // Output is dropped: a failure shows as a timeout naming what never came online.
  const child = trackChild(spawn(process.execPath, args, { cwd: dir, stdio: 'ignore' }));
  try {
    const watcher = await watchOnline(url, 'chinook/home');
    await withTimeout(watcher.all, 90_000, 'every reference service to be online');
    const ms = nowMs() - t0;
    await watcher.close();
    await delay(1_000);
    const pids = inProcess ? [child.pid!] : childrenOf(child.pid!);
    const readings = pids.map(readProc);
    const per = (pick: (r: { rss: number; cpuMs: number }) => number): number =>
      inProcess ? pick(readings[0]!) / SERVICES.length : median(readings.map(pick));
    return { ms, rssPerService: per((r) => r.rss), cpuMsPerService: per((r) => r.cpuMs) };
  } finally {
    await stopChild(child);
  }
}

/** 5 bare node + mqtt.js processes on a fresh embedded broker in this process. */
export async function bareRound(): Promise<Round> {
  const broker = await startEmbeddedBroker({ port: 0 });
  const prefix = 'chinook/home';
  const watcher = await watchOnline(broker.url, prefix);
  const script = path.join(benchDir, 'bare-service.mjs');
  const t0 = nowMs();
  const children = SERVICES.map((name) =>
    trackChild(spawn(process.execPath, [script, broker.url, prefix, name], { cwd: repoDir, stdio: ['ignore', 'ignore', 'inherit'] })),
  );
  try {
    await withTimeout(watcher.all, 30_000, 'every bare service to be online');
    const ms = nowMs() - t0;
    await delay(1_000);
    const readings = children.map((c) => readProc(c.pid!));
    return { ms, rssPerService: median(readings.map((r) => r.rss)), cpuMsPerService: median(readings.map((r) => r.cpuMs)) };
  } finally {
    await watcher.close();
    for (const child of children) child.kill('SIGKILL');
    await broker.close();
  }
}

export async function benchStartup(ctx: BenchContext): Promise<void> {
  if (!existsSync('/proc/self/status')) throw new Error('start-up and memory per process are read from /proc (Linux only)');
  const rounds = ctx.rounds;
  const bare: Round[] = [];
  const multi: Round[] = [];
  const single: Round[] = [];
  // The order of the three rotates round by round, so none always starts right after another's exit.
  const parts = [
    async () => void bare.push(await bareRound()),
    async () => void multi.push(await chinookRound(false)),
    async () => void single.push(await chinookRound(true)),
  ];
  if (!ctx.quick) {
    // Not counted: the first `chinook run` of a session runs ~40% slower (cold file and compile caches).
    ctx.progress('start-up of the reference system: warm-up round (not counted)');
    await bareRound();
    await chinookRound(false);
    await chinookRound(true);
  }
  for (let round = 0; round < rounds; round++) {
    ctx.progress(`start-up of the reference system: round ${round + 1}/${rounds}`);
    await inRotatingOrder(round, parts);
  }
  const pick = (rows: Round[], key: keyof Round, scale = 1): number[] => rows.map((r) => r[key] / scale);
  const baselineName = '5 bare node + mqtt.js processes, connected + subscribed';
  const cpuNote = (rows: Round[]): string =>
    `CPU per service until 1 s after online: ${Math.round(median(pick(rows, 'cpuMsPerService')))} ms (bare: ${Math.round(median(pick(bare, 'cpuMsPerService')))} ms)`;
  ctx.add(
    compareRow({
      scenario: 'startup',
      name: '`chinook run` (npm start) → all 5 reference services online',
      unit: 'ms',
      ...spreadOf(pick(multi, 'ms'), pick(bare, 'ms')),
      baselineName,
      better: 'lower',
      targetMax: 3_000,
      note: `one process per service + the console, embedded aedes broker; ${cpuNote(multi)}; ${rounds} rounds${ctx.quick ? '' : ' after an uncounted warm-up round'}, the order bare / \`chinook run\` / --in-process rotating`,
    }),
    compareRow({
      scenario: 'startup',
      name: '`chinook run --in-process` → all 5 reference services online',
      unit: 'ms',
      ...spreadOf(pick(single, 'ms'), pick(bare, 'ms')),
      baselineName,
      better: 'lower',
      targetMax: 3_000,
    }),
    compareRow({
      scenario: 'startup',
      name: 'resident memory per service process (`chinook run`)',
      unit: 'MB',
      ...spreadOf(pick(multi, 'rssPerService', MB), pick(bare, 'rssPerService', MB)),
      baselineName: 'a bare node + mqtt.js process, connected + subscribed',
      better: 'lower',
      targetRatio: 1.3,
      note: 'VmRSS of each service process 1 s after all are online (median of the 5)',
    }),
    compareRow({
      scenario: 'startup',
      name: 'resident memory per service, `chinook run --in-process` (process RSS / 5)',
      unit: 'MB',
      ...spreadOf(pick(single, 'rssPerService', MB), pick(bare, 'rssPerService', MB)),
      baselineName: 'a bare node + mqtt.js process, connected + subscribed',
      better: 'lower',
      note: 'the one process holds the embedded broker too',
    }),
  );
}
