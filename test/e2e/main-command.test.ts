/**
 * The README's main command (`npm start` = `node bin/chinook.js run`), in line mode, as a
 * child process: the reference system on the embedded broker, one process per service.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DOMAINS, REFERENCE, SERVICES, dependentsOf, startRun, waitForConvergence, type RunningSystem } from './run-system.js';


let running: RunningSystem | undefined;
afterEach(() => {
  running?.kill();
  running = undefined;
});

describe('chinook run (the README main command, embedded broker)', () => {
  it('shows every reference service online and every domain available; SIGINT stops all of them cleanly with exit 0', async () => {
    const system = (running = startRun([]));
    await waitForConvergence(system);
    expect(system.lines[0]).toMatch(/^\d\d:\d\d:\d\d bus mqtt:\/\/127\.0\.0\.1:\d+ \(watch it with: mosquitto_sub -h 127\.0\.0\.1 -p \d+ -t 'chinook\/home\/#' -v\)$/);
    for (const service of SERVICES) expect(system.pid(service), service).toBeGreaterThan(0);
    // Nothing from the bus was rejected, no child wrote anything but lifecycle lines.
    expect(system.lines.filter((l) => l.includes('rejected'))).toEqual([]);

    system.child.kill('SIGINT');
    const exit = await system.exit;
    expect({ exit, stderr: system.stderr() }).toEqual({ exit: { code: 0, signal: null }, stderr: '' });
    for (const service of SERVICES) {
      expect(system.ended(service), service).toBe('stopped');
      expect(system.status(service), service).toBe('offline');
    }
    // The last state is kept, marked stale: nothing is lost, its owner is gone.
    for (const domain of DOMAINS) expect(system.availability(domain), domain).toBe('stale');
  }, 240_000);

  it('kill -9 of presence-service: shown killed and offline, presence stale, its dependents report the loss; the rest goes on', async () => {
    const victim = REFERENCE.domains['presence']!.owner;
    const dependents = dependentsOf('presence');
    expect(dependents).toEqual(['lighting-service', 'security-service']);

    const system = (running = startRun([]));
    await waitForConvergence(system);
    process.kill(system.pid(victim)!, 'SIGKILL');

    const lost = (service: string): boolean =>
      system.events.some((e) => e.type === 'output' && e.service === service && e.text.includes('required dependency "presence" lost'));
    await system.waitUntil(
      `${victim} killed and offline, presence stale, ${dependents.join(' and ')} reporting the loss`,
      () => system.ended(victim) === 'killed by SIGKILL' && system.status(victim) === 'offline' &&
        system.availability('presence') === 'stale' && dependents.every(lost),
    );
    for (const service of SERVICES.filter((s) => s !== victim)) {
      expect(system.status(service), service).toBe('online');
      expect(system.ended(service), service).toBeUndefined();
    }
    for (const domain of DOMAINS.filter((d) => d !== 'presence')) expect(system.availability(domain), domain).toBe('available');
    // A dependent says whose loss it is, the way a person reads it.
    expect(system.lines).toContainEqual(
      expect.stringMatching(/^\d\d:\d\d:\d\d lighting-service: required dependency "presence" lost \(owner presence-service is offline\)$/),
    );

    system.child.kill('SIGINT');
    // The others stop cleanly, but a service it ran was killed: the run's exit says so (CLI.md).
    expect((await system.exit).code).toBe(1);
    expect(system.stderr()).toContain(`chinook run: 1 of ${SERVICES.length} services failed: ${victim} killed by SIGKILL`);
    for (const service of SERVICES.filter((s) => s !== victim)) expect(system.ended(service), service).toBe('stopped');
  }, 240_000);
});
