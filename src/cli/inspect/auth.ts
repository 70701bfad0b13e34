/** Who may read: an optional bearer token, and (bound to loopback) only requests addressed to loopback. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type AccessCheck = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 421; readonly message: string };

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * `token`: the bearer token every `/api/` request must carry (none: open). `loopbackOnly`:
 * the server listens on loopback, so a `Host` naming anything else is a page of another
 * site reaching it through DNS rebinding: refused.
 */
export function createAccessCheck(options: { readonly token?: string; readonly loopbackOnly: boolean }): (req: IncomingMessage, api: boolean) => AccessCheck {
  const expected = options.token === undefined ? undefined : digest(options.token);
  return (req, api) => {
    if (options.loopbackOnly) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!isLoopbackHost(host)) return { ok: false, status: 421, message: `this server answers requests for localhost only, not \`${host}\`` };
    }
    if (!api || expected === undefined) return { ok: true };
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    // Compared as digests: same length whatever was sent, and in constant time.
    if (match && timingSafeEqual(digest(match[1]!.trim()), expected)) return { ok: true };
    return { ok: false, status: 401, message: 'a bearer token is required: send `Authorization: Bearer <token>`' };
  };
}
