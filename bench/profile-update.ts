/**
 * Profiles one side of the update-throughput scenario alone, so a CPU profile holds only it:
 * `node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/profile-update.ts <aedes|mosquitto|redis|nats> [chinook|raw|raw-echo] [updates] [mqtt3]`
 * (`mqtt3`: Chinook's side on MQTT 3.1.1, `?protocol=4`, where the owner receives its own updates back)
 * (docs/performance.md, "What the profiles showed").
 */
import { startBroker, type BrokerKind } from './lib/brokers.js';
import { measureThroughput, openChinookPipe, openRawPipe } from './update.js';

const [kind = 'mosquitto', side = 'chinook', countText = '20000', variant] = process.argv.slice(2);
const broker = await startBroker(kind as BrokerKind);
try {
  const chinookBroker = variant === 'mqtt3' ? { ...broker, url: `${broker.url}?protocol=4` } : broker;
  const pipe = side === 'chinook' ? await openChinookPipe(chinookBroker) : await openRawPipe(broker, side === 'raw-echo');
  const count = Number(countText);
  const before = process.cpuUsage();
  const rate = await measureThroughput(pipe, count, 100, 1);
  const cpu = process.cpuUsage(before);
  process.stdout.write(`${kind}${variant ? ` (${variant})` : ''} ${side}: ${rate.toFixed(0)} updates/s, ${((cpu.user + cpu.system) / count).toFixed(1)} µs CPU per update\n`);
  await pipe.close();
} finally {
  await broker.stop();
}
