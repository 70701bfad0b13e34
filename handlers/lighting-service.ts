// The handler of `lighting-service`: lamps follow people; dimmed while the house draws a lot.
import type { Lamp, Lighting } from '../generated/index.js';
import { defineLightingService, type LightingServiceContext } from '../generated/services/lighting-service.js';

const LAMPS = [
  { id: 'hall-ceiling', room: 'hall', color: null },
  { id: 'kitchen-spots', room: 'kitchen', color: null },
  { id: 'living-floor', room: 'living', color: '#FFB36B' },
  { id: 'living-ceiling', room: 'living', color: null },
  { id: 'bedroom-bedside', room: 'bedroom', color: '#FF9E57' },
] as const;

/** Lamps are on in occupied rooms; at 60 % while the grid import is above 3 kW (when power is known). */
export function lighting(ctx: LightingServiceContext): Lighting {
  const occupied = new Set(ctx.state.presence.rooms.filter((r) => r.occupants > 0).map((r) => r.id));
  const brightness = (ctx.state.power?.gridImportW ?? 0) > 3000 ? 60 : 100;
  const lamps: Lamp[] = LAMPS.map((lamp) => ({
    id: lamp.id,
    room: lamp.room,
    on: occupied.has(lamp.room),
    brightness: occupied.has(lamp.room) ? brightness : 0,
    color: lamp.color,
  }));
  return { lamps };
}

export default defineLightingService(() => {
  /** The last lighting this instance published, as JSON: an unchanged one is not sent again. */
  let last = '';
  async function publishIfChanged(ctx: LightingServiceContext): Promise<void> {
    const next = lighting(ctx);
    const text = JSON.stringify(next);
    if (text === last) return;
    last = text;
    await ctx.publish('lighting', next);
  }
  return {
    onStart: publishIfChanged,
    onUpdate: {
      presence: (_presence, ctx) => publishIfChanged(ctx),
      power: (_power, ctx) => publishIfChanged(ctx),
    },
  };
});
