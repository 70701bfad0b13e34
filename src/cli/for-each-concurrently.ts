/** File-system work over many files, a few at a time: one at a time left libuv's threads idle. */
// Enough in flight to keep libuv's thread pool (4 threads) busy, few enough to never run out of file descriptors.
const IO_CONCURRENCY = 8;

/** Runs `task` over `items`, a few at a time; stops starting new ones at the first failure, which it rethrows. */
export async function forEachConcurrently<T>(items: readonly T[], task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await task(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IO_CONCURRENCY, items.length) }, worker));
}
