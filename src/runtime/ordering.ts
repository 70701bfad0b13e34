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
 * or above it in the receiver's memory can only come from a forgery (or a corrupt owner), so
 * it is given up when the owner re-asserts itself; below it, the owner skips past any seq
 * seen on its domain instead.
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
  /**
   * The owner re-asserted itself (a live `online` with the epoch already known): if the
   * applied seq is at or above SEQ_CEILING, its next live envelope of that epoch is applied
   * whatever its seq (recovers from a forged seq of 2^53 − 1).
   */
  readonly reopened?: boolean;
}

export type OrderVerdict = 'apply' | 'duplicate' | 'stale';

/**
 * 1. nothing applied yet: apply (a late joiner takes the retained state);
 * 2. the applied epoch: a higher seq applies, the same seq is a duplicate (as is an older
 *    seq of the receiver's own epoch: its own echo), a lower one is stale — unless the
 *    applied seq is one no owner reaches (>= SEQ_CEILING), the owner re-asserted itself
 *    since (`reopened`), and the envelope is live;
 * 3. the epoch of the owner's current `online`: apply (a restarted owner, whatever its clock);
 * 4. otherwise, another instance: apply if its epoch is greater (wall-clock order between
 *    instances whose status was not seen), else stale.
 */
export function orderEnvelope(target: OrderingState, epoch: number, seq: number, live: boolean): OrderVerdict {
  if (target.epoch < 0) return 'apply';
  if (epoch === target.epoch) {
    if (seq > target.seq) return 'apply';
    if (seq === target.seq || epoch === target.ownEpoch) return 'duplicate';
    return target.seq >= SEQ_CEILING && target.reopened === true && live && epoch === target.ownerEpoch ? 'apply' : 'stale';
  }
  if (epoch === target.ownerEpoch) return 'apply';
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
