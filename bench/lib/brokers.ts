/**
 * Brokers for the benchmarks, each on a free 127.0.0.1 port and killed when the run ends:
 * mosquitto (with `set_tcp_nodelay true`, as docs tell users), redis-server, nats-server with
 * JetStream (one node, and a three-node cluster with buckets of three replicas), and the
 * embedded aedes broker that `chinook run` starts by itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { delay, trackChild, trackCloser } from './processes.js';

export type BrokerKind = 'mosquitto' | 'aedes' | 'redis' | 'nats' | 'nats-cluster';
export const brokerKinds: readonly BrokerKind[] = ['mosquitto', 'aedes', 'redis', 'nats', 'nats-cluster'];

export interface RunningBroker {
  readonly kind: BrokerKind;
  /** `mqtt://127.0.0.1:<port>`, `redis://127.0.0.1:<port>`, `nats://127.0.0.1:<port>[,…][?replicas=3]` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly version: string;
  stop(): Promise<void>;
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${ms} ms`);
    await delay(25);
  }
}

function findBinary(name: string, extra: readonly string[]): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const fromPath = found.stdout.trim();
  if (found.status === 0 && fromPath) return fromPath;
  return extra.find((candidate) => existsSync(candidate));
}

export function findMosquitto(): string | undefined {
  return findBinary('mosquitto', ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/opt/homebrew/sbin/mosquitto']);
}

export function findRedisServer(): string | undefined {
  return findBinary('redis-server', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']);
}

export function findNatsServer(): string | undefined {
  return findBinary('nats-server', ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']);
}

export function readNatsVersion(binary: string): string {
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /\bv(\d[\w.]*)/.exec(out.stdout)?.[1] ?? 'unknown';
}

export function readMosquittoVersion(binary: string): string {
  const out = spawnSync(binary, ['-h'], { encoding: 'utf8' });
  const match = /mosquitto version ([\w.]+)/.exec(`${out.stdout}${out.stderr}`);
  return match?.[1] ?? 'unknown';
}

export function readRedisVersion(binary: string): string {
  const out = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /v=([\w.]+)/.exec(out.stdout)?.[1] ?? 'unknown';
}

export function readAedesVersion(): string {
  try {
    // aedes' `exports` hides package.json from require(): read it next to the resolved entry.
    const entry = createRequire(import.meta.url).resolve('aedes');
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function startMosquitto(): Promise<RunningBroker> {
  const binary = findMosquitto();
  if (!binary) throw new Error('mosquitto is not installed');
  const port = await findFreePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chinook-bench-mosquitto-'));
  const config = path.join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      // As docs/performance.md tells mosquitto users: Nagle holds back small QoS 1 packets.
      'set_tcp_nodelay true',
      'persistence false',
      // The default (1000) would drop QoS 1 messages of a subscriber that falls behind during
      // a burst; the benchmarks measure throughput, not the broker's drop policy.
      'max_queued_messages 100000',
      '',
    ].join('\n'),
  );
  const child = trackChild(spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  try {
    await waitForPort(port, 5_000, 'mosquitto');
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  const stop = trackCloser(async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  });
  return { kind: 'mosquitto', url: `mqtt://127.0.0.1:${port}`, host: '127.0.0.1', port, version: readMosquittoVersion(binary), stop };
}

export async function startRedis(): Promise<RunningBroker> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server is not installed');
  const port = await findFreePort();
  const child = trackChild(
    spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--notify-keyspace-events', 'Ex'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  await waitForPort(port, 5_000, 'redis-server');
  const stop = trackCloser(() => stopChild(child));
  return { kind: 'redis', url: `redis://127.0.0.1:${port}`, host: '127.0.0.1', port, version: readRedisVersion(binary), stop };
}

/** The embedded aedes broker, in this process (as `chinook run` starts it). */
export async function startAedes(): Promise<RunningBroker> {
  const broker = await startEmbeddedBroker({ port: 0 });
  const stop = trackCloser(() => broker.close());
  return { kind: 'aedes', url: broker.url, host: broker.host, port: broker.port, version: readAedesVersion(), stop };
}

/** One nats-server node with JetStream, its store in `dir`; `extra` lines go into its configuration. */
async function startNatsNode(binary: string, dir: string, port: number, extra: readonly string[]): Promise<() => Promise<void>> {
  const config = path.join(dir, `nats-${port}.conf`);
  writeFileSync(config, [`listen: "127.0.0.1:${port}"`, `jetstream { store_dir: "${path.join(dir, `js-${port}`)}" }`, ...extra, ''].join('\n'));
  const child = trackChild(spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] }));
  await waitForPort(port, 5_000, 'nats-server');
  return () => stopChild(child);
}

export async function startNats(): Promise<RunningBroker> {
  const binary = findNatsServer();
  if (!binary) throw new Error('nats-server is not installed');
  const port = await findFreePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chinook-bench-nats-'));
  const stopNode = await startNatsNode(binary, dir, port, []);
  const stop = trackCloser(async () => {
    await stopNode();
    rmSync(dir, { recursive: true, force: true });
  });
  return { kind: 'nats', url: `nats://127.0.0.1:${port}`, host: '127.0.0.1', port, version: readNatsVersion(binary), stop };
}

/** Three nodes clustered on loopback; clients get all three addresses; buckets have three replicas. */
export async function startNatsCluster(): Promise<RunningBroker> {
  const binary = findNatsServer();
  if (!binary) throw new Error('nats-server is not installed');
  const ports = await Promise.all(Array.from({ length: 7 }, () => findFreePort()));
  const [client, routes, monitor] = [ports.slice(0, 3), ports.slice(3, 6), ports[6]!];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chinook-bench-nats-cluster-'));
  const stops = await Promise.all(
    client.map((port, i) =>
      startNatsNode(binary, dir, port, [
        `server_name: "bench-n${i + 1}"`,
        ...(i === 0 ? [`http: "127.0.0.1:${monitor}"`] : []),
        `cluster { name: "bench", listen: "127.0.0.1:${routes[i]}", routes: [${routes.filter((_, j) => j !== i).map((r) => `"nats-route://127.0.0.1:${r}"`).join(', ')}] }`,
      ]),
    ),
  );
  const stop = trackCloser(async () => {
    await Promise.all(stops.map((s) => s()));
    rmSync(dir, { recursive: true, force: true });
  });
  // JetStream accepts buckets once the three nodes elected a meta leader.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const jsz = (await fetch(`http://127.0.0.1:${monitor}/jsz`).then((r) => r.json(), () => ({}))) as { meta_cluster?: { leader?: string; cluster_size?: number } };
    if (jsz.meta_cluster?.leader && jsz.meta_cluster.cluster_size === 3) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the NATS cluster elected no JetStream leader within 30 s');
    }
    await delay(200);
  }
  const url = `nats://${client.map((p) => `127.0.0.1:${p}`).join(',')}?replicas=3`;
  return { kind: 'nats-cluster', url, host: '127.0.0.1', port: client[0]!, version: readNatsVersion(binary), stop };
}

export function startBroker(kind: BrokerKind): Promise<RunningBroker> {
  switch (kind) {
    case 'mosquitto':
      return startMosquitto();
    case 'redis':
      return startRedis();
    case 'aedes':
      return startAedes();
    case 'nats':
      return startNats();
    case 'nats-cluster':
      return startNatsCluster();
  }
}

export function isBrokerInstalled(kind: BrokerKind): boolean {
  switch (kind) {
    case 'mosquitto':
      return findMosquitto() !== undefined;
    case 'redis':
      return findRedisServer() !== undefined;
    case 'aedes':
      return true;
    case 'nats':
    case 'nats-cluster':
      return findNatsServer() !== undefined;
  }
}

async function stopChild(child: import('node:child_process').ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), delay(2_000).then(() => false)]);
  if (!done) {
    child.kill('SIGKILL');
    await exited;
  }
}
