/**
 * TLS with certificates made here (openssl): `mqtts://` against mosquitto and `rediss://`
 * against redis-server, the server's certificate verified against the test's CA; on
 * mosquitto the client certificate is the identity (`use_identity_as_username`), and the
 * rights of `chinook acl` apply to it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import { createBus, type CreateBusOptions } from '../../src/bus/create-bus.js';
import { encodeStatus } from '../../src/runtime/envelope.js';
import { describeIfBinary, hasBinary, startMosquitto, startRedis, type ExternalBroker } from '../support/brokers.js';
import { PREFIX, SECRETS, writeAccessFiles } from './access-targets.js';
import { BIN, ROOT } from '../manifest/run-cli.js';


const dir = mkdtempSync(path.join(tmpdir(), 'chinook-tls-'));
const file = (name: string): string => path.join(dir, name);
const brokers: ExternalBroker[] = [];
const buses: Bus[] = [];
const files = writeAccessFiles();

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A key and a certificate for `cn`, signed by the test CA (with `san` as subjectAltName). */
function issue(name: string, cn: string, san?: string): void {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  const ext = san === undefined ? [] : ['-extfile', `${name}.ext`];
  if (san !== undefined) writeFileSync(file(`${name}.ext`), `subjectAltName=${san}\n`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...ext);
}

beforeAll(() => {
  if (!hasBinary('openssl')) return;
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=chinook test CA');
  issue('server', 'localhost', 'DNS:localhost,IP:127.0.0.1');
  issue('energy', 'energy-service');
  issue('lighting', 'lighting-service');
}, 60_000);

afterAll(async () => {
  await Promise.all(buses.map((b) => b.close({ abrupt: true }).catch(() => undefined)));
  await Promise.all(brokers.map((b) => b.stop()));
  rmSync(dir, { recursive: true, force: true });
  files.remove();
});

async function connect(url: string, options: Omit<CreateBusOptions, 'clientId'>): Promise<Bus> {
  const bus = createBus(url, { clientId: `tls-${buses.length}`, connectTimeoutMs: 5_000, reconnectPeriodMs: 200, ...options });
  buses.push(bus);
  await bus.connect();
  return bus;
}

const online = (service: string): Buffer => encodeStatus({ service, status: 'online', epoch: 1, time: Date.now() });

describeIfBinary(hasBinary('openssl') ? 'mosquitto' : 'openssl', 'mqtts:// on mosquitto, client certificates as identity', () => {
  let url = '';
  beforeAll(async () => {
    const broker = await startMosquitto({ extraConfig: [
      'allow_anonymous false',
      `cafile ${file('ca.crt')}`,
      `certfile ${file('server.crt')}`,
      `keyfile ${file('server.key')}`,
      'require_certificate true',
      'use_identity_as_username true',
      `acl_file ${files.dir}/mosquitto.acl`,
    ] });
    brokers.push(broker);
    url = `mqtts://localhost:${broker.port}?protocol=5`;
  }, 30_000);

  const tlsAs = (name: string) => ({ ca: readFileSync(file('ca.crt')), cert: readFileSync(file(`${name}.crt`)), key: readFileSync(file(`${name}.key`)) });

  it('connects with the server verified, as the identity its certificate names, within its rights', async () => {
    const energy = await connect(url, { tls: tlsAs('energy') });
    await energy.publish(`${PREFIX}/status/energy-service`, online('energy-service'), { retain: true });
    await expect(energy.publish(`${PREFIX}/status/lighting-service`, online('lighting-service'), { retain: true })).rejects.toMatchObject({ code: 'bus-denied' });
    const lighting = await connect(url, { tls: tlsAs('lighting') });
    await expect(lighting.publish(`${PREFIX}/status/energy-service`, online('energy-service'), { retain: true })).rejects.toMatchObject({ code: 'bus-denied' });
  });

  it('refuses a server it cannot verify (no CA given), and a client without a certificate', async () => {
    const { ca: _ca, ...noCa } = tlsAs('energy');
    await expect(connect(url, { tls: noCa })).rejects.toMatchObject({ code: 'bus-unreachable' });
    // mosquitto ends the handshake of a client without a certificate.
    const error = await connect(url, { tls: { ca: readFileSync(file('ca.crt')) } }).then(() => undefined, (e: { code?: string }) => e);
    expect(['bus-unreachable', 'bus-refused']).toContain(error?.code);
  });
});

describeIfBinary(hasBinary('openssl') ? 'redis-server' : 'openssl', 'rediss:// on redis-server with the chinook acl users', () => {
  let port = 0;
  beforeAll(async () => {
    const broker = await startRedis(
      ['--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.crt'), '--tls-auth-clients', 'no', '--aclfile', `${files.dir}/redis.acl`],
      { tls: true },
    );
    brokers.push(broker);
    port = broker.port;
  }, 30_000);

  const as = (identity: string): string => `rediss://${identity}:${encodeURIComponent(SECRETS.get(identity)!)}@localhost:${port}`;

  it('connects with the server verified and keeps the user within its rights', async () => {
    const energy = await connect(as('energy-service'), { redis: { tls: { ca: readFileSync(file('ca.crt')) } } });
    await energy.publish(`${PREFIX}/status/energy-service`, online('energy-service'), { retain: true });
    await expect(energy.publish(`${PREFIX}/status/lighting-service`, online('lighting-service'), { retain: true })).rejects.toMatchObject({ code: 'bus-denied' });
  });

  it('`chinook run` verifies the server against NODE_EXTRA_CA_CERTS and connects as its user', async () => {
    const child = spawn(process.execPath, [BIN, 'run', 'energy-service', '--broker', `rediss://localhost:${port}`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_EXTRA_CA_CERTS: file('ca.crt'), CHINOOK_BROKER_USERNAME: 'energy-service', CHINOOK_BROKER_PASSWORD: SECRETS.get('energy-service')! },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 60_000;
      while (!output.includes('started') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(output).toContain('energy-service: started');
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);

  it('refuses a server it cannot verify (no CA given)', async () => {
    await expect(connect(as('energy-service'), { connectTimeoutMs: 3_000, redis: { tls: {} } })).rejects.toMatchObject({ code: 'bus-unreachable' });
  });
});
