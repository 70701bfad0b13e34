/**
 * Where a service instance is in its life, as one discriminated union (STYLE.md 22): a state
 * that cannot happen (stopped but delivering, paused before the start) cannot be written.
 * Each transition is a function of the current state; `service.ts` holds one `Life`.
 */
import type { ServicePhase, StopReason } from './contract.js';
import type { DeliveryMode } from './delivery.js';

/** `onStart` is running, or has returned. */
export type HandlerProgress = 'starting' | 'started';

export type Life =
  | { readonly phase: 'idle' }
  /** Connecting, subscribing, saying `online`, reading the retained system state. */
  | { readonly phase: 'starting' }
  /** For the required dependencies. */
  | { readonly phase: 'waiting' }
  /** `onStart` was called; nothing required is lost. */
  | { readonly phase: 'running'; readonly handler: HandlerProgress }
  /** A required dependency is lost (policy `pause`): update callbacks are held. */
  | { readonly phase: 'paused'; readonly handler: HandlerProgress }
  /**
   * `on-stop`: `onStop` runs (if `onStart` was called; it may still publish a final state);
   * `closing`: `offline`, closing the bus.
   */
  | { readonly phase: 'stopping'; readonly reason: StopReason; readonly wasStarted: boolean; readonly step: 'on-stop' | 'closing' }
  | { readonly phase: 'stopped'; readonly reason: StopReason };

/** The phase as `ServiceInstance.phase()` reports it. */
export function publicPhase(life: Life): ServicePhase {
  return life.phase;
}

/** Has `onStart` been called (so publishing is allowed, unless stopping)? */
export function hasStarted(life: Life): boolean {
  switch (life.phase) {
    case 'running':
    case 'paused':
      return true;
    case 'stopping':
      return life.wasStarted;
    case 'idle':
    case 'starting':
    case 'waiting':
    case 'stopped':
      return false;
  }
}

/** Is the instance past its start and not yet stopping (it should be `online`)? */
export function isLive(life: Life): boolean {
  switch (life.phase) {
    case 'starting':
    case 'waiting':
    case 'running':
    case 'paused':
      return true;
    case 'idle':
    case 'stopping':
    case 'stopped':
      return false;
  }
}

/** What the update callbacks do in this state. */
export function deliveryModeOf(life: Life): DeliveryMode {
  switch (life.phase) {
    case 'running':
      return life.handler === 'started' ? 'deliver' : 'hold';
    case 'paused':
      return 'hold';
    case 'idle':
    case 'starting':
    case 'waiting':
    case 'stopping':
    case 'stopped':
      return 'discard';
  }
}

/** A required dependency was lost (policy `pause`). */
export function pause(life: Life): Life {
  return life.phase === 'running' ? { phase: 'paused', handler: life.handler } : life;
}

/** Every required dependency is back. */
export function resume(life: Life): Life {
  return life.phase === 'paused' ? { phase: 'running', handler: life.handler } : life;
}

/** `onStart` returned. */
export function handlerStarted(life: Life): Life {
  switch (life.phase) {
    case 'running':
    case 'paused':
      return { phase: life.phase, handler: 'started' };
    default:
      return life;
  }
}

/** A stop begins (idempotence is the caller's: a second stop returns the first one's promise). */
export function beginStop(life: Life, reason: StopReason): Life {
  return { phase: 'stopping', reason, wasStarted: hasStarted(life), step: 'on-stop' };
}

/** `onStop` returned: from now on nothing is published but `offline`. */
export function closing(life: Life): Life {
  return life.phase === 'stopping' ? { ...life, step: 'closing' } : life;
}

/**
 * What `ctx.publish` does in this state: `send` it; `hold` it (paused: the latest state per
 * domain goes out on resume); or refuse it, before `onStart` or once `onStop` has returned.
 */
export type PublishMode = 'send' | 'hold' | 'not-started' | 'stopped';

export function publishMode(life: Life): PublishMode {
  switch (life.phase) {
    case 'running':
      return 'send';
    case 'paused':
      return 'hold';
    case 'stopping':
      // A final state from onStop goes out before `offline`.
      return life.wasStarted && life.step === 'on-stop' ? 'send' : 'stopped';
    case 'stopped':
      return 'stopped';
    case 'idle':
    case 'starting':
    case 'waiting':
      return 'not-started';
  }
}
