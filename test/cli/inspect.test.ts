/**
 * `chinook inspect`'s command line (the built CLI, as a child process, in the reference
 * project): help, usage errors, an unreachable bus, the token from a file; and the graph it
 * draws for manifests with a loop.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { graphFromManifests } from '../../src/cli/inspect/system-graph.js';
import { loadSystemFromDir } from '../../src/cli/load-system.js';
import { findFreePort } from '../support/brokers.js';
import { startInspect, type InspectChild } from '../e2e/inspect-child.js';
import { MANIFEST_FIXTURES, ROOT, runCli } from '../manifest/run-cli.js';


const USAGE = 'usage: chinook inspect [--broker URL] [--port N] [--host H] [options]';
const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

describe('chinook inspect: usage', () => {
  it('--help exits 0 with the usage; `chinook --help` lists it', () => {
    const help = runCli(['inspect', '--help'], ROOT);
    expect(help.status).toBe(0);
    expect(help.stdout.startsWith(USAGE)).toBe(true);
    expect(runCli(['--help'], ROOT).stdout).toMatch(/^ {2}inspect +watch a running system \(read-only\): live web page and HTTP API$/m);
  });

  it.each([
    [['--port', 'x'], '--port must be a whole number from 0 to 65535 (got `x`)'],
    [['--history', '0'], '--history must be a whole number from 1 to 1000 (got `0`)'],
    [['--host', '0.0.0.0'], '--host 0.0.0.0 serves other machines: give a token (--token-file PATH or $CHINOOK_INSPECT_TOKEN)'],
    [['--token', 'abc'], "Unknown option '--token'"],
    [['--token-file', 'no-such-file'], 'cannot read the token file `no-such-file`: ENOENT'],
  ])('%j is a usage error (exit 2) that says why', (args, message) => {
    const run = runCli(['inspect', '--broker', 'mqtt://127.0.0.1:1', ...args], ROOT);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(NO_STACK);
  });

  it('without a bus to watch, says how to name one (exit 2)', () => {
    const run = runCli(['inspect'], ROOT);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no bus to watch: pass --broker URL');
  });

  it('an unreachable bus is exit 1 with one line, the password never shown', async () => {
    const port = await findFreePort();
    const run = runCli(['inspect', '--broker', `mqtt://user:hunter2@127.0.0.1:${port}`, '--port', '0'], ROOT);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^chinook inspect: /);
    expect(run.stderr + run.stdout).not.toContain('hunter2');
    expect(run.stderr).not.toMatch(NO_STACK);
  });
});

describe('chinook inspect: serving', () => {
  let broker: EmbeddedBroker | undefined;
  let inspector: InspectChild | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'chinook-inspect-'));
  afterAll(async () => {
    await inspector?.stop();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with --token-file, the API needs the token and the token is nowhere on the command line', async () => {
    broker = await startEmbeddedBroker();
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'tok-123\n');
    inspector = await startInspect(broker.url, ['--token-file', tokenFile]);
    expect(inspector.output()).toContain('read-only, token required');
    expect((await fetch(new URL('api/state', inspector.url))).status).toBe(401);
    const res = await fetch(new URL('api/state', inspector.url), { headers: { authorization: 'Bearer tok-123' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { system: string }).system).toBe('home');
    expect(inspector.child.spawnargs.join(' ')).not.toContain('tok-123');
    // SIGTERM: a clean stop, exit 0.
    const exited = new Promise<number | null>((r) => inspector!.child.once('exit', (code) => r(code)));
    inspector.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('the graph drawn from manifests', () => {
  it('marks the loop of a system run with --no-check', async () => {
    const loaded = await loadSystemFromDir(join(MANIFEST_FIXTURES, 'dependency-cycle'), { cwd: MANIFEST_FIXTURES, system: 'default' });
    const graph = graphFromManifests(loaded.build.graph);
    expect(graph.loops.length).toBe(1);
    const loopEdges = graph.edges.filter((e) => e.loop);
    expect(loopEdges.length).toBe(graph.loops[0]!.length);
    expect(new Set(loopEdges.map((e) => e.from))).toEqual(new Set(graph.loops[0]));
  });
});
