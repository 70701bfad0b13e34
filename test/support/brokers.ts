/**
 * Real brokers for tests: mosquitto and redis-server started as child processes on free
 * ports (never the machine's 1883/6379), with stop / kill -9 / restart on the same port.
 *
 * When a binary is missing, tests that need it are skipped with a loud warning — unless
 * under CI (CI=true or CI=1), where they fail: a green CI run must mean every bus was exercised.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { isCi } from '../../bench/lib/ci.js';

export interface ExternalBroker {
  readonly kind: 'mosquitto' | 'redis' | 'nats';
  readonly port: number;
  readonly host: string;
  /** `mqtt://127.0.0.1:port`, `redis://127.0.0.1:port` or `nats://127.0.0.1:port` */
  readonly url: string;
  /** SIGTERM and wait for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL (a crash) and wait for the process to exit. */
  kill(): Promise<void>;
  /** Start again on the same port (after stop or kill) and wait until it accepts connections. */
  restart(): Promise<void>;
}

const HOST = '127.0.0.1';

export function hasBinary(name: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() !== '';
}

/** A port nobody listens on right now (the OS picks it). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`broker exited (${child.exitCode ?? child.signalCode}) before accepting connections:\n${output()}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: HOST });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`broker did not accept connections on ${port} within ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function startProcess(
  kind: ExternalBroker['kind'],
  command: string,
  args: readonly string[],
  port: number,
  cleanup: () => void,
  /** Runs between the stop and the start of restart() (e.g. to forget what the server stored). */
  beforeRestart: () => void = () => {},
): Promise<ExternalBroker> {
  let child: ChildProcess;
  let output = '';
  const launch = async (): Promise<void> => {
    output = '';
    child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => (output += String(e)));
    await waitForPort(port, child, () => output);
  };
  await launch();
  // Never leave a broker behind if the test process dies first.
  const onExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  return {
    kind,
    port,
    host: HOST,
    url: `${kind === 'mosquitto' ? 'mqtt' : kind}://${HOST}:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await waitForExit(child);
      process.off('exit', onExit);
      cleanup();
    },
    async kill() {
      child.kill('SIGKILL');
      await waitForExit(child);
    },
    async restart() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await waitForExit(child);
      }
      beforeRestart();
      await launch();
    },
  };
}

export interface MosquittoOptions {
  /** Keep retained messages across a restart (in a temporary folder). Default false. */
  readonly persistence?: boolean;
  /** More configuration lines, e.g. queue limits. */
  readonly extraConfig?: readonly string[];
}

/**
 * mosquitto on a free port: anonymous, no persistence (unless asked), TCP_NODELAY, verbose off.
 * `extraConfig` lines apply to its listener too (e.g. `password_file`, `acl_file`, `certfile`);
 * one of them setting `allow_anonymous` replaces the default. Given files to read, mosquitto
 * run as root would drop to its own user and could not read the test's 0600 files: it stays root then.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<ExternalBroker> {
  const port = await findFreePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'chinook-mosquitto-'));
  const config = path.join(dir, 'mosquitto.conf');
  const extra = options.extraConfig ?? [];
  const readsFiles = extra.some((line) => /^(password_file|acl_file|cafile|certfile|keyfile) /.test(line));
  writeFileSync(
    config,
    [
      ...(readsFiles && process.getuid?.() === 0 ? ['user root'] : []),
      `listener ${port} ${HOST}`,
      ...(extra.some((line) => line.startsWith('allow_anonymous')) ? [] : ['allow_anonymous true']),
      'set_tcp_nodelay true',
      ...(options.persistence ? ['persistence true', `persistence_location ${dir}/`, 'autosave_interval 1'] : ['persistence false']),
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...(options.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  return startProcess('mosquitto', 'mosquitto', ['-c', config], port, () => rmSync(dir, { recursive: true, force: true }));
}

/**
 * redis-server on a free port: no persistence, keyspace expiry notifications on; `extraArgs`
 * go last, so they override (e.g. `--notify-keyspace-events ''` for a server that starts without them).
 * `tls`: the port speaks TLS only (`extraArgs` then name the certificate files).
 */
export async function startRedis(extraArgs: readonly string[] = [], options: { readonly tls?: boolean } = {}): Promise<ExternalBroker> {
  const port = await findFreePort();
  const args = [
    ...(options.tls ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)]),
    '--bind', HOST,
    '--save', '',
    '--appendonly', 'no',
    '--notify-keyspace-events', 'Ex',
    '--protected-mode', 'no',
    '--loglevel', 'warning',
    ...extraArgs,
  ];
  return startProcess('redis', 'redis-server', args, port, () => {});
}

export interface NatsServerOptions {
  /** Extra lines of the configuration file (e.g. a `cluster { … }` block). */
  readonly config?: readonly string[];
  /** The port, for a node that must be found at a known address (cluster routes); default: a free one. */
  readonly port?: number;
  /** Folder for JetStream's files; default: a new temporary one (kept across restart, removed on stop). */
  readonly storeDir?: string;
  /** False: a server without JetStream (core NATS only). */
  readonly jetstream?: boolean;
  /**
   * False: restart() starts with an empty store, as the other test brokers run without
   * persistence (what was retained is gone, buckets included). Default true.
   */
  readonly persistent?: boolean;
}

/**
 * nats-server with JetStream on a free port, its store in a temporary folder that survives
 * restart() (JetStream's file storage persists, as in production) and is removed on stop().
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<ExternalBroker> {
  const port = options.port ?? (await findFreePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'chinook-nats-'));
  const storeDir = options.storeDir ?? path.join(dir, 'js');
  const config = path.join(dir, 'nats.conf');
  const jetstream = options.jetstream === false ? [] : [`jetstream { store_dir: "${storeDir}" }`];
  writeFileSync(config, [`listen: "${HOST}:${port}"`, ...jetstream, ...(options.config ?? []), ''].join('\n'));
  const forget = (): void => rmSync(storeDir, { recursive: true, force: true });
  return startProcess('nats', 'nats-server', ['-c', config], port, () => rmSync(dir, { recursive: true, force: true }), options.persistent === false ? forget : undefined);
}

export interface NatsCluster {
  readonly nodes: readonly ExternalBroker[];
  /** `nats://127.0.0.1:a,127.0.0.1:b,127.0.0.1:c` (add `?replicas=3` for replicated buckets). */
  readonly url: string;
  /** GET a monitoring endpoint of node `i` (`connz`, `jsz?streams=true`, …) as JSON. */
  monitor(i: number, endpoint: string): Promise<Record<string, unknown>>;
  /** Resolves once JetStream has elected a meta leader (the cluster accepts buckets). */
  waitForJetStream(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `size` nats-server nodes clustered on loopback: routes between all of them, JetStream on
 * each (its own store, kept across a node's restart), a monitoring port per node.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const ports = await Promise.all(Array.from({ length: size * 3 }, () => findFreePort()));
  const client = ports.slice(0, size);
  const route = ports.slice(size, size * 2);
  const http = ports.slice(size * 2);
  const nodes = await Promise.all(
    client.map((port, i) =>
      startNatsServer({
        port,
        config: [
          `server_name: "chinook-n${i + 1}"`,
          `http: "${HOST}:${http[i]}"`,
          'cluster {',
          '  name: "chinook"',
          `  listen: "${HOST}:${route[i]}"`,
          `  routes: [${route.filter((_, j) => j !== i).map((r) => `"nats-route://${HOST}:${r}"`).join(', ')}]`,
          '}',
        ],
      }),
    ),
  );
  const monitor = async (i: number, endpoint: string): Promise<Record<string, unknown>> => {
    const response = await fetch(`http://${HOST}:${http[i]}/${endpoint}`);
    return (await response.json()) as Record<string, unknown>;
  };
  return {
    nodes,
    url: `nats://${client.map((p) => `${HOST}:${p}`).join(',')}`,
    monitor,
    async waitForJetStream(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const jsz = await monitor(0, 'jsz').catch(() => ({}) as Record<string, unknown>);
        const meta = jsz['meta_cluster'] as { leader?: string; cluster_size?: number } | undefined;
        if (meta?.leader && meta.cluster_size === size) return;
        if (Date.now() > deadline) throw new Error(`JetStream elected no leader within ${timeoutMs} ms: ${JSON.stringify(jsz)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
  };
}

/**
 * `describe` that runs only when `binary` is installed. Missing: skipped with a warning,
 * or — under CI (CI=true or CI=1) — a failing test saying what to install.
 */
export function describeIfBinary(binary: string, name: string, body: () => void): void {
  if (hasBinary(binary)) {
    describe(name, body);
    return;
  }
  if (isCi()) {
    describe(name, () => {
      it(`needs \`${binary}\` installed`, () => {
        throw new Error(`\`${binary}\` is not installed; CI must run every bus (install it, e.g. apt-get install ${binary})`);
      });
    });
    return;
  }
  console.warn(`\n*** SKIPPING "${name}": \`${binary}\` is not installed (under CI, CI=true or CI=1, this is a failure) ***\n`);
  describe.skip(name, body);
}

export interface WillChild {
  readonly pid: number;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

const willChildScript = fileURLToPath(new URL('./will-child.ts', import.meta.url));

/**
 * Spawns a separate Node process that connects to `url` with a will and stays connected,
 * for kill -9 tests. Resolves once it is connected.
 */
export async function spawnWillChild(options: {
  readonly url: string;
  readonly clientId: string;
  readonly willTopic: string;
  readonly willPayload: string;
  readonly keepaliveSeconds?: number;
}): Promise<WillChild> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', willChildScript, options.url, options.clientId, options.willTopic, options.willPayload, String(options.keepaliveSeconds ?? 2)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`will child did not connect within 15 s:\n${output}`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`will child exited (${code}) before connecting:\n${output}`));
    });
  });
  const onExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  return {
    pid: child.pid!,
    async kill() {
      child.kill('SIGKILL');
      await waitForExit(child);
      process.off('exit', onExit);
    },
  };
}
