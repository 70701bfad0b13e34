import type { RuntimeLogEvent } from './contract.js';

/** One line on stderr per event: the default `log`. */
export function createStderrLog(service: string): (event: RuntimeLogEvent) => void {
  return (event) => {
    let line: string;
    switch (event.type) {
      case 'rejected':
        line = `rejected ${event.reason} on ${event.topic}: ${event.detail}${event.count > 1 ? ` (${event.count} since the last report)` : ''}`;
        break;
      case 'lifecycle':
        line = event.message;
        break;
      case 'handler-error': {
        const error = event.error;
        line = `${event.callback} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
        break;
      }
    }
    process.stderr.write(`chinook ${service}: ${line}\n`);
  };
}
