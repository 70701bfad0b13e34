/**
 * Whether this run is CI, where a missing broker fails instead of being skipped.
 * `CI=true` (GitHub Actions, GitLab) and `CI=1` (many others) both count; so does any
 * value but empty, `0` and `false`.
 */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['CI'];
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
