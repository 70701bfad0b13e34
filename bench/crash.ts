/**
 * Scenario 4: crash detection, seen by a peer.
 * - SIGKILL of a child process: the broker sees the socket close and publishes the will
 *   (MQTT); on Redis the status key has to expire.
 * - SIGSTOP (a hung process, socket open): only the keepalive (MQTT, 1.5 × keepalive;
 *   mosquitto checks coarsely) or the status key's expiry (Redis) can tell.
 * Raw: an mqtt.js client with a will, watched by a raw subscriber. Chinook: a service in
 * the child, watched by a Chinook peer (`peers()`). Redis has no will: its baseline is the
 * configured expiry.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChinookService, stopAll } from './lib/chinook.js';
import { buildCrashSystem, crashTopics, type CrashChildArgs } from './lib/crash-system.js';
import { brokerLabel, hasNativeWill, uniqueId, type BenchContext } from './lib/context.js';
import { delay, trackChild, waitUntil, withTimeout } from './lib/processes.js';
import { connectRawClient } from './lib/raw-clients.js';
import { compareRow, spreadOf } from './lib/report.js';
import { median, nowMs } from './lib/stats.js';
import type { RunningBroker } from './lib/brokers.js';
import type { ChildProcess } from 'node:child_process';

const childScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-child.ts');

type Signal = 'SIGKILL' | 'SIGSTOP';

interface Victim {
  readonly child: ChildProcess;
  readonly system: string;
}

async function spawnVictim(args: CrashChildArgs): Promise<Victim> {
  const child = trackChild(
    spawn(process.execPath, ['--import', 'tsx', childScript, JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      child.on('message', (message: { type: string; message?: string }) => {
        if (message.type === 'ready') resolve();
        else reject(new Error(`crash child (${args.mode}) failed: ${message.message ?? 'unknown error'}`));
      });
      child.once('exit', (code, signal) => reject(new Error(`crash child (${args.mode}) exited early (${code ?? signal})`)));
    }),
    20_000,
    `the ${args.mode} crash child to start`,
  );
  return { child, system: args.system };
}

function bury(victim: Victim): void {
  if (victim.child.exitCode === null && victim.child.signalCode === null) victim.child.kill('SIGKILL');
}

/** A watcher that is ready (it has seen the victim online) and can then time the victim's `offline`. */
interface Watch {
  /** Sends the signal and resolves with the ms until `offline` was seen. */
  kill(signal: Signal, boundMs: number): Promise<number>;
  close(): Promise<void>;
}

async function watchRaw(broker: RunningBroker, victim: Victim): Promise<Watch> {
  const watcher = await connectRawClient(broker.url, { clientId: uniqueId('raw-peer') });
  let online = false;
  let offlineAt: number | undefined;
  watcher.onMessage((message) => {
    const status = (JSON.parse(message.payload.toString('utf8')) as { status?: string }).status;
    if (status === 'online') online = true;
    if (status === 'offline' && online) offlineAt ??= nowMs();
  });
  await watcher.subscribe(crashTopics(victim.system).victimStatus);
  await waitUntil(() => online, 10_000, 'the raw victim to be seen online');
  return {
    async kill(signal, boundMs) {
      const t0 = nowMs();
      victim.child.kill(signal);
      await waitUntil(() => offlineAt !== undefined, boundMs, `offline after ${signal} (raw)`);
      return offlineAt! - t0;
    },
    async close() {
      bury(victim);
      await watcher.close();
    },
  };
}

async function watchChinook(broker: RunningBroker, victim: Victim): Promise<Watch> {
  const peer = await startChinookService(buildCrashSystem(victim.system), 'peer', {}, broker.url);
  await waitUntil(() => peer.peers()['victim'] === 'online', 10_000, 'the Chinook victim to be seen online');
  return {
    async kill(signal, boundMs) {
      const t0 = nowMs();
      victim.child.kill(signal);
      // Polled every millisecond: the resolution is well below what is measured.
      await waitUntil(() => peer.peers()['victim'] === 'offline', boundMs, `offline after ${signal} (Chinook)`, 1);
      return nowMs() - t0;
    },
    async close() {
      bury(victim);
      await stopAll([peer]);
    },
  };
}

export async function benchCrash(ctx: BenchContext): Promise<void> {
  const keepaliveSeconds = ctx.quick ? 1 : 2;
  const signals: Signal[] = ['SIGKILL', 'SIGSTOP'];
  // A round waits for the keepalive or the status expiry (2–5 s), except a SIGKILL seen through an
  // MQTT will (~10 ms, a round ~1 s): those rows, made of small times, get three times the default rounds.
  const roundsFor = (signal: Signal, hasWill: boolean): number =>
    ctx.quick ? 1 : signal === 'SIGKILL' && hasWill ? ctx.rounds * 3 : Math.min(ctx.rounds, 3);
  for (const broker of ctx.brokers) {
    const label = brokerLabel(broker.kind);
    const hasWill = hasNativeWill(broker.kind);
    // Generous: 1.5 × keepalive plus a coarse broker check plus scheduling noise.
    const boundMs = keepaliveSeconds * 4_000 + 5_000;
    for (const signal of signals) {
      const scenario = `crash/${broker.kind}/${signal}`;
      const raw: number[] = [];
      const typed: number[] = [];
      const rounds = roundsFor(signal, hasWill);
      try {
        for (let round = 0; round < rounds; round++) {
          ctx.progress(`crash detection (${signal}) via ${label}: round ${round + 1}/${rounds}`);
          const base = { url: broker.url, keepaliveSeconds };
          // Both victims start together (a child with tsx takes about a second to boot) and
          // are signalled at the same moment: the two detections run side by side.
          const [rawVictim, typedVictim] = await Promise.all([
            hasWill ? spawnVictim({ ...base, mode: 'raw', system: uniqueId('crash-raw') }) : Promise.resolve(undefined),
            spawnVictim({ ...base, mode: 'chinook', system: uniqueId('crash') }),
          ]);
          const watches: Watch[] = [];
          try {
            const rawWatch = rawVictim ? await watchRaw(broker, rawVictim) : undefined;
            if (rawWatch) watches.push(rawWatch);
            const typedWatch = await watchChinook(broker, typedVictim);
            watches.push(typedWatch);
            const [rawMs, typedMs] = await Promise.all([rawWatch?.kill(signal, boundMs), typedWatch.kill(signal, boundMs)]);
            if (rawMs !== undefined) raw.push(rawMs);
            typed.push(typedMs);
          } finally {
            if (rawVictim) bury(rawVictim);
            bury(typedVictim);
            await Promise.allSettled(watches.map((w) => w.close()));
          }
          await delay(50);
        }
      } catch (error) {
        ctx.fail(scenario, error);
        continue;
      }
      const what = signal === 'SIGKILL' ? 'SIGKILL (process dies)' : `SIGSTOP (hung), keepalive ${keepaliveSeconds} s`;
      ctx.add(
        compareRow({
          scenario,
          name: `crash → offline seen by a peer, ${what}, ${label}`,
          unit: 'ms',
          ...spreadOf(typed, hasWill ? raw : [keepaliveSeconds * 1000]),
          baselineName: hasWill ? 'raw mqtt.js will' : `configured expiry (${keepaliveSeconds} s)`,
          better: 'lower',
          note:
            `median of ${rounds} rounds` +
            (signal === 'SIGSTOP' && broker.kind === 'mosquitto'
              ? `; MQTT bound is 1.5 × keepalive = ${keepaliveSeconds * 1500} ms; mosquitto checks keepalives coarsely, so detection can run later`
              : ''),
        }),
      );
    }
  }
}
