/** Exit codes of CLI.md: scripts rely on them. */
export const ExitCode = {
  ok: 0,
  /** Invalid manifests, stale generated code, a dependency that never came, an unreachable bus. */
  failure: 1,
  /** Usage or I/O error. */
  usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
