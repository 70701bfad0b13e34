/**
 * Measures, in a fresh process run with --expose-gc, what holding the state of a wide
 * system costs: heap + external bytes (and RSS) after joining minus before, with full GCs
 * around both readings. `raw` keeps JSON.parse'd states in a Map; `chinook` is a service
 * that requires every domain (its local store).
 */
import { startChinookService } from './lib/chinook.js';
import { delay, waitUntil } from './lib/processes.js';
import { connectRawClient } from './lib/raw-clients.js';
import { buildWideSystem } from './lib/system.js';

interface MemoryChildArgs {
  readonly mode: 'raw' | 'chinook';
  readonly url: string;
  readonly system: string;
  readonly count: number;
  /** A smaller seeded system joined first, so code, JIT and connection buffers are warm before the first reading. */
  readonly warmupSystem: string;
  readonly warmupCount: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as MemoryChildArgs;
const gc = (globalThis as { gc?: () => void }).gc;

async function settle(): Promise<NodeJS.MemoryUsage> {
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await delay(20);
  }
  return process.memoryUsage();
}

async function join(system: string, count: number, tag: string): Promise<unknown> {
  const spec = buildWideSystem({ count, owners: 10, joiners: 1, system });
  if (args.mode === 'chinook') return startChinookService(spec, 'joiner-0', {}, args.url, { track: false });
  const held = new Map<string, unknown>();
  const client = await connectRawClient(args.url, { clientId: `${system}-mem-raw-${tag}-${process.pid}` });
  client.onMessage((m) => held.set(m.topic, (JSON.parse(m.payload.toString('utf8')) as { state: unknown }).state));
  const pattern = `${spec.prefix}/state/+`;
  await client.subscribe(pattern);
  if (client.readRetained) await client.readRetained(pattern);
  await waitUntil(() => held.size === count, 30_000, 'all domains', 5);
  return [client, held];
}

try {
  const warm = await join(args.warmupSystem, args.warmupCount, 'warm');
  const before = await settle();
  // Only the second join is measured: its connection and its N states.
  const keep = await join(args.system, args.count, 'measured');
  const after = await settle();
  process.send?.({
    type: 'result',
    heapBytes: after.heapUsed + after.external - (before.heapUsed + before.external),
    rssBytes: after.rss - before.rss,
    held: keep !== undefined && warm !== undefined,
  });
} catch (error) {
  process.send?.({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), 10_000).unref();
