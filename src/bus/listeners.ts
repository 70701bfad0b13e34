import type { BusEvent, BusMessage } from './bus.js';

/** The listener sets every adapter keeps, and the one way to call them. */
export interface BusListeners {
  onMessage(listener: (message: BusMessage) => void): () => void;
  onEvent(listener: (event: BusEvent) => void): () => void;
  /** Calls every event listener; one that throws is skipped, never takes the bus down. */
  emit(event: BusEvent): void;
  /** Calls every message listener; one that throws is reported as an `error` event, and delivery goes on. */
  deliver(message: BusMessage): void;
}

export function createBusListeners(): BusListeners {
  const messageListeners = new Set<(message: BusMessage) => void>();
  const eventListeners = new Set<(event: BusEvent) => void>();
  const emit = (event: BusEvent): void => {
    for (const listener of eventListeners) {
      try {
        listener(event);
      } catch {
        // A failing event listener must not take the bus down.
      }
    }
  };
  return {
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    emit,
    deliver(message) {
      for (const listener of messageListeners) {
        try {
          listener(message);
        } catch (error) {
          emit({ type: 'error', error: error instanceof Error ? error : new Error(String(error)) });
        }
      }
    },
  };
}
