/**
 * Bus URLs as shown to people: in errors, logs and the console. A URL may carry a password
 * (`mqtt://user:secret@host`); it must never be printed, so every message that repeats a
 * URL goes through `redactUrl` first.
 *
 * Written by hand rather than with `new URL()`: it must also hide the secret of strings
 * that are not valid URLs (that is exactly when they end up in an error message).
 */

/**
 * The URL with its password replaced by `***` (user name kept). Anything before the last
 * `@` of the part after `scheme://` is user information; a string without a scheme that
 * holds an `@` loses everything before it. Over-masking is preferred to a leak.
 */
export function redactUrl(url: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url)?.[0];
  const rest = scheme === undefined ? url : url.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at < 0) return url;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (scheme === undefined) return `***@${rest.slice(at + 1)}`;
  if (colon < 0) return url;
  return `${scheme}${userinfo.slice(0, colon)}:***@${rest.slice(at + 1)}`;
}
