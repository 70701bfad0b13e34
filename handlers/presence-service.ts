// The handler of `presence-service`: people moving through the house (simulated sensors).
import type { Presence, Room } from '../generated/index.js';
import { definePresenceService } from '../generated/services/presence-service.js';

const ROOMS = [
  { id: 'hall', name: 'Hall', sensors: [{ id: 'hall-door', kind: 'door' }, { id: 'hall-motion', kind: 'motion' }] },
  { id: 'kitchen', name: 'Kitchen', sensors: [{ id: 'kitchen-motion', kind: 'motion' }] },
  { id: 'living', name: 'Living room', sensors: [{ id: 'living-motion', kind: 'motion' }, { id: 'living-co2', kind: 'co2' }] },
  { id: 'bedroom', name: 'Bedroom', sensors: [{ id: 'bedroom-motion', kind: 'motion' }] },
] as const;

const PEOPLE = 3;
const TICK_MS = 1500;

/** Where each person is (a room index), or -1 when out of the house. */
type Whereabouts = number[];

function snapshot(whereabouts: Whereabouts, now: Date): Presence {
  const rooms: Room[] = ROOMS.map((room, index) => ({
    id: room.id,
    name: room.name,
    occupants: whereabouts.filter((w) => w === index).length,
    sensors: room.sensors.map((s) => ({ id: s.id, kind: s.kind, lastSeen: now.toISOString() })),
  }));
  return { rooms };
}

/** One person moves: to a neighbouring room, or out of (and back into) the house through the hall. */
function move(whereabouts: Whereabouts): void {
  const who = Math.floor(Math.random() * PEOPLE);
  const here = whereabouts[who]!;
  if (here === -1) whereabouts[who] = 0;
  else if (here === 0 && Math.random() < 0.3) whereabouts[who] = -1;
  else whereabouts[who] = Math.floor(Math.random() * ROOMS.length);
}

export default definePresenceService(() => {
  const whereabouts: Whereabouts = Array.from({ length: PEOPLE }, (_, i) => i % ROOMS.length);
  return {
    async onStart(ctx) {
      await ctx.publish('presence', snapshot(whereabouts, new Date()));
      ctx.every(TICK_MS, () => {
        move(whereabouts);
        return ctx.publish('presence', snapshot(whereabouts, new Date()));
      });
    },
  };
});
