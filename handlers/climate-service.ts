// The handler of `climate-service`: room temperatures, heating when it is cheap and rooms are used.
import type { Climate, RoomClimate } from '../generated/index.js';
import { defineClimateService, type ClimateServiceContext } from '../generated/services/climate-service.js';

const TICK_MS = 2000;
const ROOMS = ['hall', 'kitchen', 'living', 'bedroom'];

/** The target temperature of a room: lower at peak prices and in rooms nobody is in (when presence is known). */
export function targetFor(room: string, ctx: ClimateServiceContext): number {
  const band = ctx.state.tariff.slots[0]?.band ?? 'normal';
  let target = band === 'cheap' ? 22 : band === 'peak' ? 19 : 21;
  const occupants = ctx.state.presence?.rooms.find((r) => r.id === room)?.occupants;
  if (occupants === 0) target -= 2;
  // Importing a lot from the grid: hold back a little more.
  if (ctx.state.power.gridImportW > 5000) target -= 1;
  return target;
}

/** The next climate: each room heats towards its target or cools a little (`currentC` is the instance's own). */
function climate(ctx: ClimateServiceContext, currentC: Map<string, number>): Climate {
  const rooms: RoomClimate[] = ROOMS.map((id) => {
    const targetC = targetFor(id, ctx);
    const now = currentC.get(id)!;
    const heating = now < targetC - 0.2;
    const next = Math.round((now + (heating ? 0.3 : -0.1)) * 10) / 10;
    currentC.set(id, next);
    return { id, currentC: next, targetC, heating };
  });
  return { mode: 'auto', rooms };
}

export default defineClimateService(() => {
  const currentC = new Map<string, number>(ROOMS.map((id, i) => [id, 18 + i * 0.5]));
  return {
    async onStart(ctx) {
      await ctx.publish('climate', climate(ctx, currentC));
      ctx.every(TICK_MS, () => ctx.publish('climate', climate(ctx, currentC)));
    },
  };
});
