import type { RuntimeLogEvent } from './contract.js';

/**
 * One runtime report as one line (no service name): what the default log writes, and what
 * the test harness quotes. `stack`: a handler error with its stack (the log) or its message only.
 */
export function formatRuntimeEvent(event: RuntimeLogEvent, options: { readonly stack: boolean }): string {
  switch (event.type) {
    case 'rejected':
      return `rejected ${event.reason} on ${event.topic}: ${event.detail}${event.count > 1 ? ` (${event.count} since the last report)` : ''}`;
    case 'lifecycle':
      return event.message;
    case 'handler-error': {
      const error = event.error;
      if (!(error instanceof Error)) return `${event.callback} failed: ${String(error)}`;
      return `${event.callback} failed: ${options.stack ? (error.stack ?? error.message) : error.message}`;
    }
  }
}

/** One line on stderr per event: the default `log`. */
export function createStderrLog(service: string): (event: RuntimeLogEvent) => void {
  return (event) => {
    process.stderr.write(`chinook ${service}: ${formatRuntimeEvent(event, { stack: true })}\n`);
  };
}
