/**
 * A separate process for kill -9 tests: connects with a will, says `ready`, then idles
 * until it is killed. Usage: will-child.ts <url> <clientId> <willTopic> <willPayload> <keepaliveSeconds>
 */
import { createBus } from '../../src/bus/create-bus.js';

const [url, clientId, willTopic, willPayload, keepalive] = process.argv.slice(2);
if (!url || !clientId || !willTopic || willPayload === undefined) {
  process.stderr.write('usage: will-child.ts <url> <clientId> <willTopic> <willPayload> [keepaliveSeconds]\n');
  process.exit(2);
}
const bus = createBus(url, {
  clientId,
  will: { topic: willTopic, payload: Buffer.from(willPayload) },
  keepaliveSeconds: Number(keepalive ?? 2),
});
await bus.connect();
await bus.publish(willTopic, Buffer.from('online'), { retain: true });
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
