import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it, vi } from 'vitest';

const WATCHED: ReadonlySet<string> = new Set(['onDependencyLost', 'onDependencyRegained']);

/** A fresh copy of the module: the process-wide storage starts not created. */
async function freshModule(): Promise<typeof import('../../../src/runtime/callback-scope.js')> {
  vi.resetModules();
  return import('../../../src/runtime/callback-scope.js');
}

describe('callback scope', () => {
  it('knows the callback across awaits, and nothing outside it', async () => {
    const { createCallbackScope } = await freshModule();
    const scope = createCallbackScope(WATCHED);
    expect(scope.current()).toBeUndefined();
    const seen = await scope.run('onDependencyLost', async () => {
      await new Promise((r) => setTimeout(r, 1));
      return scope.current();
    });
    expect(seen).toBe('onDependencyLost');
    expect(scope.current()).toBeUndefined();
  });

  it('an unwatched callback inside a watched one hides it (its innermost callback is what counts)', async () => {
    const { createCallbackScope } = await freshModule();
    const scope = createCallbackScope(WATCHED);
    const seen = await scope.run('onDependencyLost', () => scope.run('onStop', async () => {
      await new Promise((r) => setTimeout(r, 1));
      return scope.current();
    }));
    expect(seen).toBe('onStop');
  });
});

describe('callback scopes of many instances', () => {
  it('each sees only its own innermost callback, also when one runs inside another', async () => {
    const { createCallbackScope } = await freshModule();
    const a = createCallbackScope(WATCHED);
    const b = createCallbackScope(WATCHED);
    const seen = await a.run('onDependencyLost', () =>
      b.run('onUpdate.x', async () => {
        await new Promise((r) => setTimeout(r, 1));
        return { a: a.current(), b: b.current(), inner: a.run('onDependencyRegained', () => a.current()) };
      }),
    );
    expect(seen).toEqual({ a: 'onDependencyLost', b: 'onUpdate.x', inner: 'onDependencyRegained' });
    expect(b.run('onStart', () => a.current())).toBeUndefined();
  });

  it('run no AsyncLocalStorage (which slows every promise of the process) until a watched callback runs, then share one', async () => {
    const { createCallbackScope } = await freshModule();
    const run = vi.spyOn(AsyncLocalStorage.prototype, 'run');
    try {
      const scopes = Array.from({ length: 5 }, () => createCallbackScope(WATCHED));
      for (const scope of scopes) expect(scope.run('onStart', () => scope.current())).toBeUndefined();
      expect(run).not.toHaveBeenCalled();
      expect(scopes[0]!.run('onDependencyLost', () => scopes[0]!.current())).toBe('onDependencyLost');
      for (const scope of scopes) expect(scope.run('onStop', () => scope.current())).toBe('onStop');
      expect(run).toHaveBeenCalledTimes(6);
      expect(new Set(run.mock.contexts).size).toBe(1);
    } finally {
      run.mockRestore();
    }
  });
});
