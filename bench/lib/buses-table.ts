/**
 * The per-bus summary of docs/buses.md ("Measured figures"), rendered from a run's rows:
 * one line per bus, Chinook's figure with the raw client's beside it.
 */
import type { BenchResults, BenchRow } from './report.js';

const BUSES: readonly (readonly [label: string, shown: string])[] = [
  ['embedded aedes', 'embedded aedes (MQTT 3.1.1)'],
  ['mosquitto', 'mosquitto (MQTT 5, negotiated)'],
  ['redis', 'Redis'],
  ['NATS JetStream', 'NATS JetStream, one node'],
  ['NATS cluster (3 nodes, R3)', 'NATS cluster, 3 nodes, R3'],
];

const number = (value: number, unit: string): string => {
  if (unit === 'updates/s') return Math.round(value).toLocaleString('en-US');
  if (unit === 'ms' && value >= 1000) return `${(value / 1000).toFixed(1)} s`;
  return `${value < 10 ? value.toPrecision(3) : value.toFixed(1)} ${unit}`;
};

function cell(row: BenchRow | undefined, withRaw: boolean): string {
  if (!row) return 'not measured';
  const own = number(row.value, row.unit);
  return withRaw && row.baseline ? `${own} (raw ${number(row.baseline.value, row.unit)})` : own;
}

export function renderBusesTable(results: BenchResults): string {
  const byName = new Map(results.rows.map((r) => [r.name, r]));
  const lines = [
    `From the full \`npm run bench\` of ${results.machine.date} (${results.machine.nproc} cores, ${results.machine.cpu}, node ${results.machine.node}; ` +
      `${Object.entries(results.machine.brokers).map(([b, v]) => `${b} ${v}`).join(', ')}): Chinook's typed path (envelope, validation on both ends, ` +
      '`(epoch, seq)`, store) with the raw client\'s figure beside it. Method, spreads and baselines: [performance.md](performance.md).',
    '',
    '| bus | updates/s (one publisher, window 100) | p50 latency | p99 latency | late join, 1,000 domains | crash detection (kill -9) | crash detection (hung peer, keepalive 2 s) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const [label, shown] of BUSES) {
    if (!byName.has(`update throughput, ${label} (window 100)`)) continue;
    lines.push(`| ${shown} | ${[
      cell(byName.get(`update throughput, ${label} (window 100)`), true),
      cell(byName.get(`update latency p50, ${label}`), true),
      cell(byName.get(`update latency p99, ${label}`), true),
      cell(byName.get(`late-join of 1000 domains, ${label}`), true),
      cell(byName.get(`crash → offline seen by a peer, SIGKILL (process dies), ${label}`), false),
      cell(byName.get(`crash → offline seen by a peer, SIGSTOP (hung), keepalive 2 s, ${label}`), false),
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}
