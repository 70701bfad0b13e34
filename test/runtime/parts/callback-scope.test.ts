import { describe, expect, it } from 'vitest';
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
