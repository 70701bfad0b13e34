/**
 * Micro-benchmark behind `ctx.publish` keeping its own copy of the state (issue 10, item 5):
 * what making the local copy immune to later mutation costs, next to a whole publish.
 *
 * - `publish`: one `ctx.publish` of the ~600-byte plant state through a real service on the
 *   in-memory bus (validation, envelope, store, bus), awaited one at a time;
 * - `deep freeze`, `structuredClone`, `JSON.parse(JSON.stringify)`: each on the same state,
 *   alone (a fresh state each run, as a handler builds one per publish);
 * - `JSON.parse` of the state's JSON: what `ctx.publish` does (the chosen copy: the JSON is
 *   the one it writes into the envelope anyway).
 *
 * Run: `node --import tsx bench/publish-copy.ts` (a few seconds; not part of `npm run bench`).
 */
import { performance } from 'node:perf_hooks';
import { createMemoryBroker, createMemoryBus, createService, type ServiceContext, type ServiceTypes } from '../src/runtime/index.js';
import { makePlantState } from './fixtures/plant-state.js';
import { buildPairSystem } from './lib/system.js';

const RUNS = 20_000;

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
}

/** Median of five rounds of `RUNS` calls, in microseconds per call. */
async function perCall(run: (i: number) => unknown): Promise<number> {
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < RUNS; i++) await run(i);
    rounds.push(((performance.now() - start) * 1000) / RUNS);
  }
  return rounds.sort((a, b) => a - b)[2]!;
}

async function publishCost(): Promise<number> {
  const system = buildPairSystem();
  const broker = createMemoryBroker();
  let ctx: ServiceContext<ServiceTypes> | undefined;
  const service = createService<ServiceTypes>(system, 'plant-controller', { onStart: (c) => void (ctx = c) }, { bus: (o) => createMemoryBus(broker, o), log: () => undefined });
  await service.start();
  try {
    return await perCall((i) => ctx!.publish('plant', makePlantState(i)));
  } finally {
    await service.stop();
  }
}

/** JSON.parse alone: the stringify is shared with the envelope. */
function perCallOver(json: string): Promise<number> {
  return perCall(sync(() => JSON.parse(json)));
}

const sync = (fn: (i: number) => unknown) => (i: number): undefined => void fn(i);
const rows: [string, number][] = [
  ['ctx.publish (whole path, awaited)', await publishCost()],
  ['building the state (makePlantState)', await perCall(sync((i) => makePlantState(i)))],
  ['  + deep freeze', await perCall(sync((i) => deepFreeze(makePlantState(i))))],
  ['  + structuredClone', await perCall(sync((i) => structuredClone(makePlantState(i))))],
  ['  + JSON.parse(JSON.stringify)', await perCall(sync((i) => JSON.parse(JSON.stringify(makePlantState(i)))))],
  ['JSON.parse of the state JSON (chosen)', await perCallOver(JSON.stringify(makePlantState(1)))],
];
for (const [what, us] of rows) console.log(`${what.padEnd(40)} ${us.toFixed(2)} µs`);
