import { describe, expect, it } from 'vitest';
import { beginStop, deliveryModeOf, handlerStarted, hasStarted, isLive, pause, publishMode, resume, closing, type Life } from '../../../src/runtime/lifecycle.js';

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

  it('allows publishing once onStart was called, holds it while paused, and allows it in onStop only', () => {
    expect(publishMode({ phase: 'waiting' })).toBe('not-started');
    expect(publishMode({ phase: 'running', handler: 'starting' })).toBe('send');
    expect(publishMode({ phase: 'paused', handler: 'started' })).toBe('hold');
    const stopping = beginStop({ phase: 'running', handler: 'started' }, { type: 'stopped' });
    expect(stopping).toEqual({ phase: 'stopping', reason: { type: 'stopped' }, wasStarted: true, step: 'on-stop' });
    // onStop may publish a final state; once it returned, nothing but `offline`.
    expect(publishMode(stopping)).toBe('send');
    expect(publishMode(closing(stopping))).toBe('stopped');
    expect(publishMode(beginStop({ phase: 'waiting' }, { type: 'stopped' }))).toBe('stopped');
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
