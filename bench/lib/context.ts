/** What every runtime scenario gets from the harness. */
import type { BrokerKind, RunningBroker } from './brokers.js';
import type { BenchRow } from './report.js';

export interface BenchContext {
  readonly quick: boolean;
  /** Rounds per figure (raw and Chinook interleaved). */
  readonly rounds: number;
  /** The brokers that are running, in report order. */
  readonly brokers: readonly RunningBroker[];
  /** Progress line on stderr. */
  progress(message: string): void;
  /** A part that could not run: recorded and reported, the run goes on. */
  fail(scenario: string, error: unknown): void;
  /** Adds result rows as soon as they exist (a later failure does not lose them). */
  add(...rows: BenchRow[]): void;
}

export function brokerLabel(kind: BrokerKind): string {
  switch (kind) {
    case 'mosquitto':
      return 'mosquitto';
    case 'aedes':
      return 'embedded aedes';
    case 'redis':
      return 'redis';
    case 'nats':
      return 'NATS JetStream';
    case 'nats-cluster':
      return 'NATS cluster (3 nodes, R3)';
  }
}

/** The raw client a user of that broker would write with (the baseline's name). */
export function rawClientName(kind: BrokerKind): string {
  if (kind === 'redis') return 'ioredis';
  return kind === 'nats' || kind === 'nats-cluster' ? 'nats.js KV' : 'mqtt.js';
}

/** Does the broker itself publish a last will (MQTT), or is it emulated (Redis, NATS)? */
export const hasNativeWill = (kind: BrokerKind): boolean => kind === 'mosquitto' || kind === 'aedes';

/** A unique, topic-safe id for one round's system/topics, so retained state of earlier rounds never interferes. */
let counter = 0;
export function uniqueId(label: string): string {
  counter++;
  return `${label}-${process.pid.toString(36)}-${Date.now().toString(36)}-${counter}`;
}

/**
 * Runs the parts of one round one after another, starting at a different part each round
 * (round 0: a, b, c; round 1: b, c, a; …), so no side always runs right after the same other one.
 */
export async function inRotatingOrder(round: number, parts: readonly (() => Promise<void>)[]): Promise<void> {
  for (let i = 0; i < parts.length; i++) await parts[(round + i) % parts.length]!();
}
