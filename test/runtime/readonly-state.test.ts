/**
 * `ctx.state` is read-only all the way down, in types (each `@ts-expect-error` below fails
 * `npm run typecheck` as "unused" the day a mutation compiles again), and the owner's copy is
 * its own at run time (test/runtime/service-details.test.ts: "a published object changed afterwards").
 */
import { describe, expect, it } from 'vitest';
import type { DeepReadonly } from '../../src/runtime/index.js';
import type { SecurityServiceContext } from '../../generated/services/security-service.js';

/** Never called: the type checker reads it. */
function mutations(ctx: SecurityServiceContext): void {
  // @ts-expect-error: a required dependency's arrays are read-only
  ctx.state.presence.rooms.push({ id: 'attic', name: 'Attic', occupants: 0, sensors: [] });
  // @ts-expect-error: and so are the objects in them
  ctx.state.presence.rooms[0]!.occupants = 3;
  // @ts-expect-error: an optional (possibly absent) domain too
  ctx.state.security!.doors.length = 0;
  // @ts-expect-error: nested arrays as well
  ctx.state.presence.rooms[0]!.sensors.pop();
  // Reading, copying and spreading are fine.
  const copy = ctx.state.presence.rooms.map((room) => ({ ...room, occupants: room.occupants + 1 }));
  copy[0]!.occupants = 0;
}

describe('ctx.state is deeply read-only', () => {
  it('in types (checked by tsc: see the @ts-expect-error lines)', () => {
    const value: DeepReadonly<{ a: { b: number[] } }> = { a: { b: [1] } };
    expect(typeof mutations).toBe('function');
    expect(value.a.b).toEqual([1]);
  });
});
