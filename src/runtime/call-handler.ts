/** Calling a handler's callback: never throws, never leaves a rejection unhandled. */
export type Callback = (...args: never[]) => unknown;

export async function callHandler(
  handler: object,
  name: string,
  callback: Callback | undefined,
  args: readonly unknown[],
  onError: (callback: string, error: unknown) => void,
): Promise<CallOutcome> {
  if (callback === undefined) return { ok: true };
  try {
    await (callback as (...a: readonly unknown[]) => unknown).apply(handler, [...args]);
    return { ok: true };
  } catch (error) {
    onError(name, error);
    return { ok: false, error };
  }
}

export type CallOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };
