/**
 * The ordering rule of chinook/1 (docs/protocol.md "Ordering and recovery"): which envelope
 * of a domain a receiver applies. Pure functions of what the receiver remembers, so every
 * case is tested on its own (test/runtime/parts/ordering.test.ts).
 *
 * The instance of the owner that is currently `online` (its status carries its epoch) is the
 * authority: its epoch is accepted whatever the clock said, so a restart always recovers, and
 * neither a forged future epoch nor a clock jump can leave a domain stuck.
 */

/**
 * No owner ever counts this far (2^52 publishes: 142 years at a million a second). A seq at
 * or above it can only come from a forgery (or a corrupt owner): it is never applied, so no
 * receiver is left holding a seq the owner cannot count past. Below it, the owner skips past
 * any seq seen on its own domain instead (it re-asserts with the next one).
 */
export const SEQ_CEILING = 2 ** 52;

/** What a receiver remembers about one domain, for ordering. */
export interface OrderingState {
  /** Last applied `(epoch, seq)`; `epoch` is -1 when nothing was applied yet. */
  readonly epoch: number;
  readonly seq: number;
  /** The receiver's own epoch when it owns the domain (else -1 or absent). */
  readonly ownEpoch?: number;
  /** The epoch of the owner's latest `online` status; -1 or absent when none was seen. */
  readonly ownerEpoch?: number;
  /** The owner's last status applied is `online` (with `ownerEpoch`): its instance is the only authority. */
  readonly ownerOnline?: boolean;
}

export type OrderVerdict = 'apply' | 'duplicate' | 'stale';

/**
 * 0. a seq no owner reaches (>= SEQ_CEILING): stale;
 * 1. nothing applied yet: apply (a late joiner takes the retained state), unless the owner is
 *    online and the envelope claims a later instance than the online one (a future-epoch
 *    forgery: kept aside until that instance says `online`);
 * 2. the applied epoch: a higher seq applies, the same seq is a duplicate (as is an older
 *    seq of the receiver's own epoch: its own echo), a lower one is stale;
 * 3. the epoch of the owner's current `online`: apply (a restarted owner, whatever its clock);
 * 4. any other instance while the owner is online: stale (kept aside: applied if that
 *    instance's `online` arrives, which this receiver may have missed);
 * 5. otherwise (owner offline or never seen): apply if its epoch is greater (wall-clock order
 *    between instances whose status was not seen), else stale.
 */
export function orderEnvelope(target: OrderingState, epoch: number, seq: number): OrderVerdict {
  if (seq >= SEQ_CEILING) return 'stale';
  const ownerOnline = target.ownerOnline === true && target.ownerEpoch !== undefined && target.ownerEpoch >= 0;
  if (target.epoch < 0) return ownerOnline && epoch > target.ownerEpoch! ? 'stale' : 'apply';
  if (epoch === target.epoch) {
    if (seq > target.seq) return 'apply';
    return seq === target.seq || epoch === target.ownEpoch ? 'duplicate' : 'stale';
  }
  if (epoch === target.ownerEpoch) return 'apply';
  if (ownerOnline) return 'stale';
  return epoch > target.epoch ? 'apply' : 'stale';
}

/** What a receiver remembers about one peer's status. */
export interface PeerState {
  readonly status: 'online' | 'offline';
  /** Epoch of its latest `online`; -1 when none was seen. */
  readonly onlineEpoch: number;
}

/**
 * Does a status apply? `online` always does (the instance saying it is online is the current
 * one, whatever its clock). `offline` does unless it is older than the current `online`: a
 * late will of an earlier instance must not mark a newer one offline.
 */
export function statusApplies(peer: PeerState | undefined, status: 'online' | 'offline', epoch: number): boolean {
  if (status === 'online' || peer === undefined || peer.onlineEpoch < 0) return true;
  return epoch >= peer.onlineEpoch;
}
