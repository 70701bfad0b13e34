import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chooseServices } from '../../src/cli/commands/run.js';
import { trackProcesses } from '../../src/cli/run/process-tracker.js';
import { createEventLog } from '../../src/cli/run/run-console.js';
import { createRestarts, whenEnded, type ChildEvents } from '../../src/cli/run/supervise.js';
import type { SystemSpec } from '../../src/runtime/contract.js';

function sink(): { out: Writable; text(): string } {
  let text = '';
  return { out: new Writable({ write: (chunk, _encoding, done) => ((text += String(chunk)), done()) }), text: () => text };
}

describe('console event log', () => {
  it('line by line: prints each event with its time, keeps none', () => {
    const { out, text } = sink();
    const log = createEventLog(false, out, () => '12:00:00');
    log.note('a started');
    expect(text()).toBe('12:00:00 a started\n');
    expect(log.lines).toEqual([]);
  });

  it('live: keeps the last 20 for the view, prints nothing', () => {
    const { out, text } = sink();
    const log = createEventLog(true, out, () => 't');
    for (let i = 0; i < 25; i++) log.note(`e${i}`);
    expect(text()).toBe('');
    expect(log.lines).toHaveLength(20);
    expect(log.lines[0]).toBe('t e5');
    expect(log.lines.at(-1)).toBe('t e24');
  });
});

describe('process tracker', () => {
  it('follows each process: pid, paused from its own report, how it ended; notes every event once', async () => {
    const lines: string[] = [];
    const tracker = trackProcesses(2, (line) => lines.push(line));
    tracker.events.started('a', 11);
    tracker.events.output('a', 'chinook a: paused: update callbacks are held');
    expect(tracker.processes.get('a')).toEqual({ pid: 11, paused: true });
    tracker.events.output('a', 'resumed');
    expect(tracker.processes.get('a')).toEqual({ pid: 11, paused: false });
    expect(lines).toEqual(['a started (pid 11)', 'a: paused: update callbacks are held', 'a: resumed']);
    tracker.events.started('b', 12);
    tracker.events.exited('a', 'stopped');
    let ended = false;
    void tracker.allEnded.then(() => (ended = true));
    await Promise.resolve();
    expect(ended).toBe(false);
    tracker.events.exited('b', 'exited with code 1');
    await tracker.allEnded;
    expect(tracker.processes.get('a')).toEqual({ pid: 11, paused: false, exit: 'stopped' });
    expect([...tracker.failures.values()]).toEqual(['b exited with code 1']);
  });

  it('a restarted service counts as failed even when it stops cleanly later', () => {
    const tracker = trackProcesses(1, () => undefined);
    tracker.events.started('a', 1);
    tracker.events.restarting!('a', 'killed by SIGKILL', 1000);
    expect(tracker.processes.get('a')).toEqual({ pid: 1, exit: 'killed by SIGKILL, restarting' });
    tracker.events.started('a', 2);
    expect(tracker.processes.get('a')).toEqual({ pid: 2 });
    tracker.events.exited('a', 'stopped');
    expect([...tracker.failures.values()]).toEqual(['a killed by SIGKILL (restarted)']);
  });
});

describe('supervisor parts', () => {
  afterEach(() => void vi.useRealTimers());

  it('whenEnded: one end for a child that reports both error and exit', async () => {
    const child = new EventEmitter();
    const ends: [string, boolean][] = [];
    const done = whenEnded(child, (description, failed) => ends.push([description, failed]));
    child.emit('error', new Error('spawn ENOENT'));
    child.emit('exit', -2, null);
    await done;
    expect(ends).toEqual([['could not start: spawn ENOENT', false]]);
  });

  it('whenEnded: a clean exit, a failing one, a signal', () => {
    const ends: [string, boolean][] = [];
    for (const [code, signal] of [[0, null], [3, null], [null, 'SIGKILL']] as const) {
      const child = new EventEmitter();
      void whenEnded(child, (description, failed) => ends.push([description, failed]));
      child.emit('exit', code, signal);
    }
    expect(ends).toEqual([['stopped', false], ['exited with code 3', true], ['killed by SIGKILL', true]]);
  });

  it('createRestarts: backs off 1 s, 2 s …, afresh after a healthy run; cancel ends the pending ones', () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const events: ChildEvents = {
      started: () => undefined,
      output: () => undefined,
      exited: (service, description) => void seen.push(`exited ${service}: ${description}`),
      restarting: (service, description, delayMs) => void seen.push(`restarting ${service} in ${delayMs}`),
    };
    const relaunched: string[] = [];
    const restarts = createRestarts({ mode: 'on-failure' }, events, (service) => relaunched.push(service));
    restarts.schedule('a', 'exited with code 1', 10);
    vi.advanceTimersByTime(1000);
    restarts.schedule('a', 'exited with code 1', 10);
    vi.advanceTimersByTime(2000);
    restarts.schedule('a', 'exited with code 1', 60_000);
    expect(relaunched).toEqual(['a', 'a']);
    restarts.cancel();
    vi.advanceTimersByTime(60_000);
    expect(relaunched).toEqual(['a', 'a']);
    expect(seen).toEqual(['restarting a in 1000', 'restarting a in 2000', 'restarting a in 1000', 'exited a: exited with code 1']);
  });
});

describe('chooseServices', () => {
  const system = { system: 'home', services: { b: {}, a: {} } } as unknown as SystemSpec;

  it('every service, sorted, when none is named; each named one once', () => {
    expect(chooseServices([], system)).toEqual(['a', 'b']);
    expect(chooseServices(['b', 'b'], system)).toEqual(['b']);
  });

  it('an unknown name is a usage error listing the services', () => {
    expect(() => chooseServices(['c'], system)).toThrow('unknown service `c` (services of home: a, b)');
  });
});
