import { describe, expect, it } from 'vitest';
import { formatRuntimeEvent } from '../../../src/runtime/stderr-log.js';

describe('one line per runtime report', () => {
  it('writes rejections with their count, lifecycle as is, handler errors with or without the stack', () => {
    expect(formatRuntimeEvent({ type: 'rejected', reason: 'not-json', topic: 't', detail: 'd', count: 1 }, { stack: true })).toBe('rejected not-json on t: d');
    expect(formatRuntimeEvent({ type: 'rejected', reason: 'not-json', topic: 't', detail: 'd', count: 4 }, { stack: true })).toBe('rejected not-json on t: d (4 since the last report)');
    expect(formatRuntimeEvent({ type: 'lifecycle', service: 's', message: 'resumed' }, { stack: true })).toBe('resumed');
    const error = new Error('boom');
    expect(formatRuntimeEvent({ type: 'handler-error', service: 's', callback: 'onStart', error }, { stack: false })).toBe('onStart failed: boom');
    expect(formatRuntimeEvent({ type: 'handler-error', service: 's', callback: 'onStart', error }, { stack: true })).toMatch(/^onStart failed: Error: boom\n\s+at /);
    expect(formatRuntimeEvent({ type: 'handler-error', service: 's', callback: 'onStop', error: 'text' }, { stack: true })).toBe('onStop failed: text');
  });
});
