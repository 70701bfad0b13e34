/**
 * Entry of a chaos child process (see child.ts).
 * Usage: child-main.ts <url> <system> <count> <index> <keepaliveSeconds> <firstValue>
 */
import { createInterface } from 'node:readline';
import { createBus, createService, type ServiceContext } from '../../src/runtime/index.js';
import { createChaosSpec, domainName, serviceName, type ChaosTypes } from './system.js';

const [url, system, count, index, keepalive, firstValue] = process.argv.slice(2);
if (!url || !system || !count || !index || !keepalive || !firstValue) {
  process.stderr.write('usage: child-main.ts <url> <system> <count> <index> <keepaliveSeconds> <firstValue>\n');
  process.exit(2);
}
const name = serviceName(Number(index));
const domain = domainName(Number(index));
let ctx: ServiceContext<ChaosTypes> | undefined;
const instance = createService<ChaosTypes>(createChaosSpec(system, Number(count)), name, { onStart: (c) => void (ctx = c) }, {
  bus: (options) => createBus(url, { ...options, keepaliveSeconds: Number(keepalive) }),
  dependencyTimeoutMs: 0,
  log: () => {},
});
await instance.start();
await ctx!.publish(domain, { value: Number(firstValue), by: name });
process.stdout.write(`ready ${instance.epoch}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  const match = /^publish (-?\d+)$/.exec(line);
  if (!match) return;
  ctx!.publish(domain, { value: Number(match[1]), by: name }).then(
    () => process.stdout.write(`published ${match[1]}\n`),
    (error: unknown) => process.stderr.write(`publish failed: ${String(error)}\n`),
  );
});
