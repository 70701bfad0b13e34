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

try {
  const spec = buildWideSystem({ count: args.count, owners: 10, joiners: 1, system: args.system });
  const before = await settle();
  let keep: unknown;
  if (args.mode === 'raw') {
    const held = new Map<string, unknown>();
    const client = await connectRawClient(args.url, { clientId: `${args.system}-mem-raw-${process.pid}` });
    client.onMessage((m) => held.set(m.topic, (JSON.parse(m.payload.toString('utf8')) as { state: unknown }).state));
    const pattern = `${spec.prefix}/state/+`;
    await client.subscribe(pattern);
    if (client.readRetained) await client.readRetained(pattern);
    await waitUntil(() => held.size === args.count, 30_000, 'all domains', 5);
    keep = [client, held];
  } else {
    keep = await startChinookService(spec, 'joiner-0', {}, args.url, { track: false });
  }
  const after = await settle();
  process.send?.({
    type: 'result',
    heapBytes: after.heapUsed + after.external - (before.heapUsed + before.external),
    rssBytes: after.rss - before.rss,
    held: keep !== undefined,
  });
} catch (error) {
  process.send?.({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), 10_000).unref();
