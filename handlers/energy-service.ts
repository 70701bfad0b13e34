// The handler of `energy-service`: the house's power flows and the electricity tariff.
// It owns two domains; it waits for nothing, but reads lighting and climate when they are there.
import type { Power, Slot, Tariff } from '../generated/index.js';
import { defineEnergyService, type EnergyServiceContext } from '../generated/services/energy-service.js';

const TICK_MS = 1000;
/** One simulated day passes in this long, so that solar output and tariff bands visibly change. */
const DAY_MS = 120_000;
const SLOT_MS = DAY_MS / 8;

const BANDS = [
  { band: 'cheap', pricePerKWh: 0.12 },
  { band: 'normal', pricePerKWh: 0.28 },
  { band: 'peak', pricePerKWh: 0.45 },
  { band: 'normal', pricePerKWh: 0.3 },
] as const;

/** The simulated battery: one per instance. */
interface Battery {
  percent: number;
}

function tariffAt(now: number): Tariff {
  const start = Math.floor(now / SLOT_MS) * SLOT_MS;
  const slots: Slot[] = [0, 1, 2, 3].map((i) => {
    const from = start + i * SLOT_MS;
    const { band, pricePerKWh } = BANDS[Math.floor(from / SLOT_MS) % BANDS.length]!;
    return { from: new Date(from).toISOString(), to: new Date(from + SLOT_MS).toISOString(), pricePerKWh, band };
  });
  return { currentPricePerKWh: slots[0]!.pricePerKWh, slots };
}

function powerAt(now: number, ctx: EnergyServiceContext, battery: Battery): Power {
  const dayPhase = (now % DAY_MS) / DAY_MS;
  const solarW = Math.round(Math.max(0, Math.sin(dayPhase * 2 * Math.PI)) * 4200);
  const lampsOn = ctx.state.lighting?.lamps.filter((l) => l.on) ?? [];
  const lightingW = lampsOn.reduce((sum, lamp) => sum + 0.1 * (lamp.brightness ?? 100), 0);
  const heatingW = (ctx.state.climate?.rooms.filter((r) => r.heating).length ?? 0) * 1500;
  const baseW = 350 + Math.round(Math.random() * 80);
  const demandW = baseW + lightingW + heatingW;
  const charging = solarW > demandW && battery.percent < 100;
  battery.percent = Math.min(100, Math.max(0, battery.percent + (charging ? 0.5 : -0.2)));
  return {
    gridImportW: Math.round(demandW - solarW),
    solarW,
    battery: { percent: Math.round(battery.percent * 10) / 10, charging },
    meters: [
      { circuit: 'base', watts: baseW },
      { circuit: 'heating', watts: heatingW },
      { circuit: 'lighting', watts: Math.round(lightingW) },
    ],
  };
}

export default defineEnergyService(() => {
  const battery: Battery = { percent: 60 };
  let lastSlot = Math.floor(Date.now() / SLOT_MS);
  return {
    async onStart(ctx) {
      await ctx.publish('tariff', tariffAt(Date.now()));
      await ctx.publish('power', powerAt(Date.now(), ctx, battery));
      ctx.every(TICK_MS, async () => {
        const now = Date.now();
        await ctx.publish('power', powerAt(now, ctx, battery));
        if (Math.floor(now / SLOT_MS) === lastSlot) return;
        lastSlot = Math.floor(now / SLOT_MS);
        await ctx.publish('tariff', tariffAt(now));
      });
    },
  };
});
