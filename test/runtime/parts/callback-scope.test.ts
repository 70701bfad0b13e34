import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it, vi } from 'vitest';
import { createCallbackScope } from '../../../src/runtime/callback-scope.js';

describe('callback scope', () => {
  it('knows the callback across awaits, and nothing outside it', async () => {
    const scope = createCallbackScope();
    expect(scope.current()).toBeUndefined();
    const seen = await scope.run('onDependencyLost', async () => {
      await new Promise((r) => setTimeout(r, 1));
      return scope.current();
    });
    expect(seen).toBe('onDependencyLost');
    expect(scope.current()).toBeUndefined();
  });
});

describe('callback scopes of many instances', () => {
  it('each sees only its own innermost callback, also when one runs inside another', async () => {
    const a = createCallbackScope();
    const b = createCallbackScope();
    const seen = await a.run('onDependencyLost', () =>
      b.run('onUpdate.x', async () => {
        await new Promise((r) => setTimeout(r, 1));
        return { a: a.current(), b: b.current(), inner: a.run('onDependencyRegained', () => a.current()) };
      }),
    );
    expect(seen).toEqual({ a: 'onDependencyLost', b: 'onUpdate.x', inner: 'onDependencyRegained' });
    expect(b.run('onStart', () => a.current())).toBeUndefined();
  });

  it('share one AsyncLocalStorage per process (each enabled storage slows every promise of the process)', () => {
    const run = vi.spyOn(AsyncLocalStorage.prototype, 'run');
    try {
      const scopes = Array.from({ length: 5 }, () => createCallbackScope());
      for (const scope of scopes) scope.run('onStart', () => scope.current());
      expect(run).toHaveBeenCalledTimes(5);
      expect(new Set(run.mock.contexts).size).toBe(1);
    } finally {
      run.mockRestore();
    }
  });
});
