/**
 * Runs an async task at most once per interval: a request while it runs, or within the
 * interval after it, is remembered and runs once when the interval is over. Used for the
 * owner's re-assert, so a flood of forged envelopes costs one republish per interval.
 */
export interface Throttle {
  request(): void;
}

export function createThrottle(task: () => Promise<void>, intervalMs: number): Throttle {
  let busy: { again: boolean } | undefined;
  const request = (): void => {
    if (busy !== undefined) {
      busy.again = true;
      return;
    }
    const current = (busy = { again: false });
    const next = (): void => {
      setTimeout(() => {
        busy = undefined;
        if (current.again) request();
      }, intervalMs).unref();
    };
    // The task reports its own failures; a rejection here must neither escape nor stop the throttle.
    task().then(next, next);
  };
  return { request };
}
