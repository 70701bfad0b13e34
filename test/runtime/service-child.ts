/**
 * A power-service in a process of its own, for kill -9 tests: starts, publishes one state,
 * prints `ready <epoch>`, then runs until killed.
 * Usage: service-child.ts <url> <system> <watts>
 */
import { createBus, createService, type ServiceContext } from '../../src/runtime/index.js';
import { createTestSystem, type PowerTypes } from './fixtures.js';

const [url, systemName, watts] = process.argv.slice(2);
if (!url || !systemName || !watts) {
  process.stderr.write('usage: service-child.ts <url> <system> <watts>\n');
  process.exit(2);
}
let ctx: ServiceContext<PowerTypes> | undefined;
const instance = createService<PowerTypes>(createTestSystem(systemName), 'power-service', { onStart: (c) => void (ctx = c) }, {
  bus: (options) => createBus(url, { ...options, keepaliveSeconds: 1 }),
});
await instance.start();
await ctx!.publish('power', { watts: Number(watts), source: 'grid' });
process.stdout.write(`ready ${instance.epoch}\n`);
setInterval(() => {}, 60_000);
