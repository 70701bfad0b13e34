/**
 * Profiles the fan-out path: N services × 20 updates/s in one process (bench/scale.ts), on a
 * fresh mosquitto, for a while. Run under `--cpu-prof` to see where the time goes:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-fan-out.ts typed 20 15
 *
 * Prints what held, and CPU µs per delivered update.
 */
import { startBroker } from './lib/brokers.js';
import { cleanUpEverything } from './lib/processes.js';
import { openChinookFleet, openRawFleet, runAt } from './scale.js';

const [side = 'typed', n = '20', seconds = '15'] = process.argv.slice(2);
const broker = await startBroker('mosquitto');
try {
  const open = side === 'raw' ? (size: number) => openRawFleet(broker, size) : (size: number) => openChinookFleet(broker, size);
  const result = await runAt(open, Number(n), Number(seconds) * 1000, 5_000);
  process.stdout.write(`${side} N=${n}: ${result.held ? 'holds' : 'falls behind'}; published ${result.published}, delivered ${result.delivered}; CPU µs/delivery per 5 s: ${result.cpuUsPerDelivery.map((v) => v.toFixed(1)).join(', ')}\n`);
} finally {
  await cleanUpEverything();
}
process.exit(0);
