/**
 * The connection life of the adapters that manage their own connections (Redis, NATS), as
 * one value: `connecting` is the first connection; `down` is lost and reconnecting (it was
 * up before). Nothing else can be true at the same time.
 */
import { BusError } from './bus.js';

export type Phase = 'new' | 'connecting' | 'up' | 'down' | 'closed';

export interface HasPhase {
  phase: Phase;
}

/** The error for using a bus that is not connected (yet, or any more). */
export function notConnected(holder: HasPhase, what: string): BusError {
  return new BusError(`cannot ${what}: the bus is ${holder.phase === 'closed' ? 'closed' : 'not connected'}`, 'bus-closed');
}

/** `Bus.connect`: once; again is a no-op; after close, bus-closed. */
export async function connectOnce(holder: HasPhase, connect: () => Promise<void>): Promise<void> {
  if (holder.phase === 'closed') throw new BusError('the bus was closed', 'bus-closed');
  if (holder.phase !== 'new') return;
  holder.phase = 'connecting';
  await connect();
}

/** A payload as a Buffer, without copying. */
export const asBuffer = (payload: Uint8Array): Buffer =>
  Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
