/**
 * A victim for the crash scenario, run as a child process by bench/crash.ts:
 * `raw` is an mqtt.js client with an `offline` last will that publishes `online`;
 * `chinook` is a Chinook service. It tells its parent when it is up, then idles until killed.
 */
import { startChinookService } from './lib/chinook.js';
import { connectRawClient } from './lib/raw-clients.js';
import { buildCrashSystem, crashTopics, type CrashChildArgs } from './lib/crash-system.js';
import { makeStatus } from './lib/system.js';

const args = JSON.parse(process.argv[2] ?? '{}') as CrashChildArgs;
const send = (message: unknown): void => {
  process.send?.(message);
};

try {
  if (args.mode === 'raw') {
    const topics = crashTopics(args.system);
    const epoch = Date.now();
    const client = await connectRawClient(args.url, {
      clientId: `${args.system}-victim-raw`,
      keepaliveSeconds: args.keepaliveSeconds,
      will: { topic: topics.victimStatus, payload: makeStatus('victim', 'offline', epoch) },
    });
    await client.publish(topics.victimStatus, makeStatus('victim', 'online', epoch));
  } else {
    await startChinookService(buildCrashSystem(args.system), 'victim', {}, args.url, { keepaliveSeconds: args.keepaliveSeconds });
  }
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
// Stay alive until the parent kills us; if the parent dies first, go too.
process.on('disconnect', () => process.exit(0));
setInterval(() => {}, 60_000);
