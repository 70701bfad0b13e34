/**
 * The receive path: every message from the bus is a state envelope, a status, or neither;
 * each is decoded, checked and applied to the store, or rejected (counted, reported
 * rate-limited). Nothing from the bus can throw out of here.
 *
 * This module routes; `state-intake.ts` and `status-intake.ts` decode and apply,
 * `rejecter.ts` counts and reports what is refused.
 */
import type { BusMessage } from '../bus/bus.js';
import type { RejectReason, RuntimeLogEvent } from './contract.js';
import type { EnvelopeDecoder } from './decode-cache.js';
import { decodeEnvelope } from './envelope.js';
import { createRejecter, type Reject } from './rejecter.js';
import type { ReportLimiter } from './report-limiter.js';
import { createStateIntake, type StateIntakeHooks } from './state-intake.js';
import { createStatusIntake, type StatusIntakeHooks } from './status-intake.js';
import type { DomainEntry, Store } from './store.js';
import { stateTopicPrefix, statusTopicPrefix } from '../shared/topics.js';

export interface ReceiverCounters {
  received: number;
  applied: number;
  duplicates: number;
  rejected: { [reason in RejectReason]?: number };
}

export interface ReceiverHooks extends StateIntakeHooks, StatusIntakeHooks {
  /** A message on an owned domain's topic: received as by anyone, an own echo, or foreign (the owner re-asserts). */
  classifyOwned(entry: DomainEntry, payload: Buffer): 'receive' | 'echo' | 'foreign';
  report(event: RuntimeLogEvent): void;
}

export interface ReceiverOptions {
  readonly service: string;
  readonly prefix: string;
  readonly store: Store;
  readonly maxPayloadBytes: number;
  readonly now: () => number;
  readonly limiter: ReportLimiter;
  readonly hooks: ReceiverHooks;
  /** The envelope decoder to use now (decode-cache.ts: shared by the services of a process); default `decodeEnvelope`. */
  readonly decoder?: () => EnvelopeDecoder;
}

export interface Receiver {
  readonly counters: ReceiverCounters;
  onMessage(message: BusMessage): void;
  /** Count and report (rate-limited) a rejected message. */
  reject: Reject;
}

/**
 * Routes each message by its topic: a known domain's state topic (an owned one's first
 * classified as received, an own echo, or foreign), another state topic (rejected by the
 * state intake as an unknown domain), a status topic; anything else is ignored.
 */
export function createReceiver(options: ReceiverOptions): Receiver {
  const { service, store, maxPayloadBytes, hooks } = options;
  const statePrefix = stateTopicPrefix(options.prefix);
  const statusPrefix = statusTopicPrefix(options.prefix);
  const counters: ReceiverCounters = { received: 0, applied: 0, duplicates: 0, rejected: {} };
  const reject = createRejecter(counters, options.limiter, hooks.report);
  const state = createStateIntake({ store, maxPayloadBytes, counters, reject, hooks, now: options.now, decoder: options.decoder ?? (() => decodeEnvelope) });
  const receiveState = state.receive;
  const receiveForeign = state.receiveForeign;
  const receiveStatus = createStatusIntake({ service, statusPrefix, store, maxPayloadBytes, reject, hooks, unblocked: state.applyPending });

  const receive = (message: BusMessage): void => {
    counters.received++;
    const topic = message.topic;
    const entry = store.byTopic.get(topic);
    if (entry !== undefined) {
      const kind = entry.ownEpoch >= 0 ? hooks.classifyOwned(entry, message.payload) : 'receive';
      if (kind === 'echo') counters.duplicates++;
      else if (kind === 'foreign') receiveForeign(entry, topic, message.payload);
      else receiveState(entry, topic, entry.name, message.payload);
    } else if (topic.startsWith(statePrefix)) receiveState(undefined, topic, topic.slice(statePrefix.length), message.payload);
    else if (topic.startsWith(statusPrefix)) receiveStatus(topic, message.payload);
  };

  return {
    counters,
    reject,
    onMessage(message) {
      try {
        receive(message);
      } catch (error) {
        rejectUncheckable(reject, message.topic, error);
      }
    },
  };
}

/**
 * Nothing from the bus may crash the service: a message the checks themselves fail on is
 * rejected like any other (counted, reported rate-limited).
 */
function rejectUncheckable(reject: Reject, topic: string, error: unknown): void {
  const detail = `could not be checked: ${error instanceof Error ? error.message : String(error)}`;
  try {
    reject('malformed-envelope', topic, undefined, detail);
  } catch {
    // The report itself failed: the count is kept.
  }
}
