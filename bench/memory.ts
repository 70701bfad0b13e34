/**
 * Scenario 5: memory. The resident cost of the local state of N domains (~600-byte
 * states) in a Chinook service, against a raw client keeping JSON.parse'd states in a Map,
 * and against the bytes of the states' JSON. Measured in child processes (--expose-gc) on
 * mosquitto (else the first broker). Each child first joins a small warm-up system, so
 * code, JIT and connection buffers are not counted; then it joins the measured one.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokerLabel, type BenchContext } from './lib/context.js';
import { trackChild, withTimeout } from './lib/processes.js';
import { compareRow, spreadOf } from './lib/report.js';
import { median } from './lib/stats.js';
import { seedWideSystem, type SeededSystem } from './lib/seed.js';

const childScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'memory-child.ts');

interface Reading {
  readonly heapBytes: number;
  readonly rssBytes: number;
}

async function measureInChild(mode: 'raw' | 'chinook', url: string, system: string, count: number, warmup: SeededSystem): Promise<Reading> {
  const child = trackChild(
    spawn(process.execPath, ['--expose-gc', '--import', 'tsx', childScript, JSON.stringify({ mode, url, system, count, warmupSystem: warmup.spec.system, warmupCount: warmup.count })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  try {
    return await withTimeout(
      new Promise<Reading>((resolve, reject) => {
        child.on('message', (message: { type: string; message?: string } & Reading) => {
          if (message.type === 'result') resolve({ heapBytes: message.heapBytes, rssBytes: message.rssBytes });
          else reject(new Error(`memory child (${mode}) failed: ${message.message ?? 'unknown error'}`));
        });
        child.once('exit', (code, signal) => reject(new Error(`memory child (${mode}) exited early (${code ?? signal})`)));
      }),
      40_000,
      `the ${mode} memory child`,
    );
  } finally {
    child.kill('SIGKILL');
  }
}

export async function benchMemory(ctx: BenchContext): Promise<void> {
  const broker = ctx.brokers.find((b) => b.kind === 'mosquitto') ?? ctx.brokers[0];
  if (!broker) throw new Error('no broker is running');
  const count = ctx.quick ? 200 : 1_000;
  const rounds = ctx.quick ? 1 : Math.min(ctx.rounds, 3);
  const scenario = 'memory';
  ctx.progress(`memory of ${count} domains via ${brokerLabel(broker.kind)}: seeding`);
  const seeded = await seedWideSystem(broker.url, count);
  const warmup = await seedWideSystem(broker.url, 50);
  const system = seeded.spec.system;
  const raw: Reading[] = [];
  const typed: Reading[] = [];
  for (let round = 0; round < rounds; round++) {
    ctx.progress(`memory: round ${round + 1}/${rounds}`);
    raw.push(await measureInChild('raw', broker.url, system, count, warmup));
    typed.push(await measureInChild('chinook', broker.url, system, count, warmup));
  }
  const kib = (bytes: number): number => bytes / 1024;
  ctx.add(
    compareRow({
      scenario,
      name: `memory: local state of ${count} domains (heap + external)`,
      unit: 'KiB',
      ...spreadOf(typed.map((r) => kib(r.heapBytes)), raw.map((r) => kib(r.heapBytes))),
      baselineName: 'raw: JSON.parse\'d states in a Map',
      better: 'lower',
      note: `RSS growth: Chinook ${Math.round(kib(median(typed.map((r) => r.rssBytes))))} KiB, raw ${Math.round(kib(median(raw.map((r) => r.rssBytes))))} KiB (RSS is coarse: allocator pages)`,
    }),
    compareRow({
      scenario,
      name: `memory: local state of ${count} domains vs its JSON`,
      unit: 'KiB',
      ...spreadOf(typed.map((r) => kib(r.heapBytes)), [kib(seeded.stateBytes)]),
      baselineName: 'bytes of the states\' JSON',
      baseline: kib(seeded.stateBytes),
      better: 'lower',
    }),
  );
}
