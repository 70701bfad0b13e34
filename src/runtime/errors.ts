/**
 * What the runtime throws to the code that uses it. Nothing here is ever thrown because
 * of what arrived from the bus: that is rejected, counted and reported instead.
 */
import type { StopReason, ValidationIssue } from './contract.js';

/** `ctx.publish` was given a state that fails its domain's schema: nothing was sent. */
export class StateInvalidError extends Error {
  override readonly name = 'StateInvalidError';
  constructor(
    readonly domain: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    const shown = issues.slice(0, 5).map((i) => `  ${i.path === '' ? '/' : i.path}: ${i.message}`);
    const more = issues.length > 5 ? [`  … and ${issues.length - 5} more`] : [];
    super([`state of "${domain}" does not match its schema; nothing was published`, ...shown, ...more].join('\n'));
  }
}

/** `ctx.publish` refused: a domain the service does not own, or the service is not running. */
export class PublishRefusedError extends Error {
  override readonly name = 'PublishRefusedError';
  constructor(
    message: string,
    readonly code: 'not-owner' | 'not-started' | 'stopped',
  ) {
    super(message);
  }
}

/** `start()` did not get the service running: dependencies timed out, the bus is unreachable, or it was stopped first. */
export class ServiceStartError extends Error {
  override readonly name = 'ServiceStartError';
  constructor(
    message: string,
    readonly reason: StopReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
