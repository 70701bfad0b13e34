/**
 * Seeds a broker with the retained state of a wide system (one valid envelope per domain),
 * as its owners would have left it, using a raw client so both sides join the same data.
 */
import { makePlantState } from '../fixtures/plant-state.js';
import type { SystemSpec } from '../../src/runtime/contract.js';
import { connectRawClient } from './raw-clients.js';
import { buildWideSystem, makeEnvelope } from './system.js';
import { uniqueId } from './context.js';

export interface SeededSystem {
  readonly spec: SystemSpec;
  readonly count: number;
  /** Bytes of the states' JSON (what a raw client minimally keeps), and of the whole envelopes. */
  readonly stateBytes: number;
  readonly envelopeBytes: number;
}

export async function seedWideSystem(url: string, count: number, joiners = 1): Promise<SeededSystem> {
  const spec = buildWideSystem({ count, owners: 10, joiners, system: uniqueId('wide') });
  const client = await connectRawClient(url, { clientId: uniqueId('seeder') });
  let stateBytes = 0;
  let envelopeBytes = 0;
  try {
    const epoch = Date.now();
    const pending: Promise<void>[] = [];
    let i = 0;
    for (const domain of Object.keys(spec.domains)) {
      const state = makePlantState(i++);
      stateBytes += Buffer.byteLength(JSON.stringify(state));
      const envelope = makeEnvelope(spec, domain, state, epoch, 1);
      envelopeBytes += Buffer.byteLength(envelope);
      pending.push(client.publish(spec.domains[domain]!.topic, envelope));
      // Bounded in-flight, so a slow broker is never flooded.
      if (pending.length >= 200) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  } finally {
    await client.close();
  }
  return { spec, count, stateBytes, envelopeBytes };
}
