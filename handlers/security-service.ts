// The handler of `security-service`: arms itself when the house is empty, watches the doors.
import type { Alert, Door, Security } from '../generated/index.js';
import { defineSecurityService, type SecurityServiceContext } from '../generated/services/security-service.js';

const TICK_MS = 3000;
/** A door open this long raises a `door-left-open` alert. */
const LEFT_OPEN_MS = 9000;

/** One instance's doors (simulated sensors) and the alerts it raised. */
interface House {
  readonly doors: Map<string, { open: boolean; since: number }>;
  alerts: Alert[];
}

export function armedFor(ctx: SecurityServiceContext): Security['armed'] {
  const people = ctx.state.presence.rooms.reduce((sum, r) => sum + r.occupants, 0);
  return people === 0 ? 'away' : 'home';
}

function security(ctx: SecurityServiceContext, house: House, now: number): Security {
  const { doors } = house;
  const list: Door[] = [...doors].map(([id, d]) => ({ id, open: d.open, lastChange: new Date(d.since).toISOString() }));
  const armed = armedFor(ctx);
  const alerts = (house.alerts = house.alerts.filter((a) => doors.get(a.doorIds[0] ?? '')?.open));
  for (const [id, d] of doors) {
    const alerted = alerts.some((a) => a.doorIds.includes(id));
    if (d.open && !alerted && (armed === 'away' || now - d.since > LEFT_OPEN_MS)) {
      alerts.push({ id: `${id}-${now}`, kind: armed === 'away' ? 'intrusion' : 'door-left-open', at: new Date(now).toISOString(), doorIds: [id] });
    }
  }
  return { armed, doors: list, alerts };
}

export default defineSecurityService(() => {
  const house: House = {
    doors: new Map([
      ['front', { open: false, since: Date.now() }],
      ['garden', { open: false, since: Date.now() }],
    ]),
    alerts: [],
  };
  return {
    async onStart(ctx) {
      await ctx.publish('security', security(ctx, house, Date.now()));
      ctx.every(TICK_MS, () => {
        const now = Date.now();
        const door = [...house.doors.values()][Math.floor(Math.random() * house.doors.size)]!;
        if (Math.random() < 0.4) Object.assign(door, { open: !door.open, since: now });
        return ctx.publish('security', security(ctx, house, now));
      });
    },
    onUpdate: {
      presence: async (_presence, ctx) => {
        if (ctx.state.security?.armed !== armedFor(ctx)) await ctx.publish('security', security(ctx, house, Date.now()));
      },
    },
  };
});
