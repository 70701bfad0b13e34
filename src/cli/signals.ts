/**
 * Resolves on the first SIGINT or SIGTERM. Later signals are ignored until `dispose`, so
 * that a clean stop (publishing `offline`) is not cut short: on Ctrl-C a terminal signals
 * the whole process group, and a supervisor then signals its children once more.
 */
export function waitForStopSignal(): { readonly promise: Promise<NodeJS.Signals>; dispose(): void } {
  let stop: (signal: NodeJS.Signals) => void = () => undefined;
  let stopped = false;
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    stop = (signal) => {
      if (stopped) return;
      stopped = true;
      resolve(signal);
    };
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    promise,
    dispose() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
