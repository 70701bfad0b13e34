import { describe, expect, it } from 'vitest';
import { beginStop, deliveryModeOf, handlerStarted, hasStarted, isLive, pause, publishRefusal, resume, type Life } from '../../../src/runtime/lifecycle.js';

describe('lifecycle', () => {
  it('goes running → paused → running, keeping whether onStart returned', () => {
    let life: Life = { phase: 'running', handler: 'starting' };
    expect(deliveryModeOf(life)).toBe('hold');
    life = pause(life);
    expect(life).toEqual({ phase: 'paused', handler: 'starting' });
    life = handlerStarted(life);
    expect(deliveryModeOf(life)).toBe('hold');
    life = resume(life);
    expect(life).toEqual({ phase: 'running', handler: 'started' });
    expect(deliveryModeOf(life)).toBe('deliver');
  });

  it('allows publishing only once onStart was called, and never while stopping', () => {
    expect(publishRefusal({ phase: 'waiting' })).toBe('not-started');
    expect(publishRefusal({ phase: 'paused', handler: 'started' })).toBeUndefined();
    const stopping = beginStop({ phase: 'running', handler: 'started' }, { type: 'stopped' });
    expect(stopping).toEqual({ phase: 'stopping', reason: { type: 'stopped' }, wasStarted: true });
    expect(hasStarted(stopping)).toBe(true);
    expect(isLive(stopping)).toBe(false);
    expect(deliveryModeOf(stopping)).toBe('discard');
    expect(hasStarted(beginStop({ phase: 'waiting' }, { type: 'stopped' }))).toBe(false);
  });

  it('pause and resume do nothing outside running and paused', () => {
    const stopped: Life = { phase: 'stopped', reason: { type: 'stopped' } };
    expect(pause(stopped)).toBe(stopped);
    expect(resume(stopped)).toBe(stopped);
    expect(handlerStarted(stopped)).toBe(stopped);
  });
});
