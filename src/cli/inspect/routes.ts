/** The HTTP surface: the page, and the read-only API under `/api/`. Every answer is JSON or SSE. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessCheck } from './auth.js';
import type { GraphResponse } from './api-types.js';
import type { EventStream } from './event-stream.js';
import type { InspectState } from './inspect-state.js';
import type { StaticFile } from './static-page.js';

export interface RouteContext {
  readonly state: InspectState;
  readonly events: EventStream;
  readonly graph: GraphResponse;
  readonly page: ReadonlyMap<string, StaticFile>;
  readonly access: (req: IncomingMessage, api: boolean) => AccessCheck;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
} as const;

function sendJson(res: ServerResponse, status: number, body: unknown, head: boolean): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, head: boolean): void {
  if (status === 401) res.setHeader('www-authenticate', 'Bearer realm="chinook inspect"');
  sendJson(res, status, { error: { code, message } }, head);
}

/** Answers one request; never throws (a failure is a 500 with a message). */
export function handleRequest(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  const head = req.method === 'HEAD';
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    sendError(res, 400, 'bad-path', 'the path is not valid URL encoding', head);
    return;
  }
  if (req.method !== 'GET' && !head) {
    res.setHeader('allow', 'GET, HEAD');
    sendError(res, 405, 'read-only', 'this API is read-only: only GET', false);
    return;
  }
  const api = path.startsWith('/api/');
  const access = ctx.access(req, api);
  if (!access.ok) {
    sendError(res, access.status, access.status === 401 ? 'unauthorized' : 'wrong-host', access.message, head);
    return;
  }
  const file = ctx.page.get(path);
  if (file !== undefined) {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type, 'cache-control': 'no-cache', 'content-length': file.body.byteLength });
    res.end(head ? undefined : file.body);
    return;
  }
  if (path === '/api/state') return sendJson(res, 200, ctx.state.state(ctx.events.connected), head);
  if (path === '/api/services') return sendJson(res, 200, ctx.state.services(), head);
  if (path === '/api/graph') return sendJson(res, 200, ctx.graph, head);
  if (path === '/api/rejections') return sendJson(res, 200, { at: Date.now(), rejections: ctx.state.rejections() }, head);
  if (path === '/api/events') return ctx.events.attach(res);
  if (path.startsWith('/api/state/')) {
    const name = path.slice('/api/state/'.length);
    const detail = ctx.state.domainDetail(name);
    if (detail === undefined) return sendError(res, 404, 'unknown-domain', `\`${name}\` is not a domain of ${ctx.state.system.system}`, head);
    return sendJson(res, 200, detail, head);
  }
  sendError(res, 404, 'not-found', `nothing at ${path}: see /api/state, /api/state/<domain>, /api/services, /api/graph, /api/events`, head);
}
