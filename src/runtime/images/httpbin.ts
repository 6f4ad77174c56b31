// A built-in httpbin (https://httpbin.org), run for the `kennethreitz/httpbin` family of images.
// It answers the endpoints the walkthrough and tests use the way the real one does: pretty JSON
// with sorted keys, header names in Title-Case, environment headers hidden from /headers.

import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Longest /delay/{s} honoured, as httpbin caps it. */
export const MAX_DELAY_SECONDS = 10;
const MAX_BODY_BYTES = 1024 * 1024;

/** Headers httpbin hides unless `?show_env=1` (httpbin/helpers.py ENV_HEADERS). */
const ENV_HEADERS = new Set(
  [
    'X-Varnish',
    'X-Request-Start',
    'X-Heroku-Queue-Depth',
    'X-Real-Ip',
    'X-Forwarded-Proto',
    'X-Forwarded-Protocol',
    'X-Heroku-Dynos-In-Use',
    'X-Forwarded-For',
    'X-Forwarded-Port',
    'X-Request-Id',
    'Via',
    'Total-Route-Time',
    'Connect-Time',
  ].map((h) => h.toLowerCase()),
);

const TEAPOT = `
    -=[ teapot ]=-

       _...._
     .'  _ _ \`.
    | ."\` ^ \`". _,
    \\_;\`"---"\`|//
      |       ;/
      \\_     _/
        \`"""\`
`;

/** `x-forwarded-client-cert` → `X-Forwarded-Client-Cert` (werkzeug's header naming). */
export function titleCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('-');
}

function sortedObject(entries: [string, unknown][]): Record<string, unknown> {
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function requestHeaders(req: IncomingMessage, showEnv: boolean): Record<string, unknown> {
  const merged = new Map<string, string>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = titleCase(req.rawHeaders[i] ?? '');
    if (!showEnv && ENV_HEADERS.has(name.toLowerCase())) continue;
    const value = req.rawHeaders[i + 1] ?? '';
    const before = merged.get(name);
    merged.set(name, before === undefined ? value : `${before},${value}`);
  }
  return sortedObject([...merged.entries()]);
}

function queryArgs(url: URL): Record<string, unknown> {
  const args = new Map<string, string | string[]>();
  for (const [key, value] of url.searchParams) {
    const before = args.get(key);
    args.set(key, before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value]);
  }
  return sortedObject([...args.entries()]);
}

function origin(req: IncomingMessage): string {
  const xff = req.headers['x-forwarded-for'];
  return (Array.isArray(xff) ? xff.join(', ') : xff) ?? req.socket.remoteAddress ?? '';
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: Buffer;
}

function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Credentials': 'true',
  });
  res.end(text);
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Credentials': 'true',
    ...headers,
  });
  res.end(text);
}

function requestInfo(x: Exchange, withBody: boolean): Record<string, unknown> {
  const showEnv = x.url.searchParams.has('show_env');
  const info: [string, unknown][] = [
    ['args', queryArgs(x.url)],
    ['headers', requestHeaders(x.req, showEnv)],
    ['origin', origin(x.req)],
    ['url', `http://${x.req.headers.host ?? 'localhost'}${x.url.pathname}${x.url.search}`],
  ];
  if (withBody) {
    const text = x.body.toString('utf8');
    const type = String(x.req.headers['content-type'] ?? '');
    const form = type.startsWith('application/x-www-form-urlencoded')
      ? queryArgs(new URL(`http://x/?${text}`))
      : {};
    let json: unknown = null;
    if (type.includes('json') || text.trimStart().startsWith('{')) {
      try {
        json = JSON.parse(text) as unknown;
      } catch {
        json = null; // httpbin reports a body that is not JSON as json: null
      }
    }
    info.push(
      ['data', type.startsWith('application/x-www-form-urlencoded') ? '' : text],
      ['files', {}],
      ['form', form],
      ['json', json],
    );
  }
  return sortedObject(info);
}

/** `/status/500,418:3`: a comma list of codes with optional weights; one is chosen at random. */
export function chooseStatus(spec: string, random: () => number = Math.random): number | undefined {
  const choices = spec.split(',').map((item) => {
    const [code, weight] = item.split(':');
    return { code: Number(code), weight: weight === undefined ? 1 : Number(weight) };
  });
  if (choices.some((c) => !Number.isInteger(c.code) || c.code < 100 || c.code > 599 || !(c.weight >= 0)))
    return undefined;
  const total = choices.reduce((sum, c) => sum + c.weight, 0);
  let pick = random() * total;
  for (const c of choices) {
    pick -= c.weight;
    if (pick < 0) return c.code;
  }
  return choices[choices.length - 1]?.code;
}

function status(x: Exchange, spec: string): void {
  const code = chooseStatus(spec);
  if (code === undefined) return sendText(x.res, 400, 'Invalid status code\n');
  if (code === 418)
    return sendText(x.res, 418, TEAPOT, { 'x-more-info': 'http://tools.ietf.org/html/rfc2324' });
  if ([301, 302, 303, 305, 307].includes(code)) return sendText(x.res, code, '', { Location: '/redirect/1' });
  if (code === 401) return sendText(x.res, 401, '', { 'WWW-Authenticate': 'Basic realm="Fake Realm"' });
  return sendText(x.res, code, '');
}

function delay(x: Exchange, seconds: string, cap: number): void {
  const wait = Math.min(Math.max(Number(seconds) || 0, 0), cap);
  const timer = setTimeout(() => sendJson(x.res, requestInfo(x, true)), wait * 1000);
  x.res.on('close', () => clearTimeout(timer));
}

const INDEX = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="UTF-8"><title>httpbin.org</title></head>
<body>
<h1>httpbin.org</h1>
<p>A simple HTTP Request &amp; Response Service (built into automesh).</p>
<ul>
<li><a href="/headers">/headers</a> Returns the request's headers.</li>
<li><a href="/get">/get</a> The request's query parameters, headers, origin and URL.</li>
<li><a href="/ip">/ip</a> The requester's IP address.</li>
<li>/status/{codes} Returns the given status code, or a random one of several.</li>
<li>/delay/{seconds} Returns a delayed response (max ${MAX_DELAY_SECONDS} s).</li>
<li><a href="/anything">/anything</a> Returns anything that is passed to the request.</li>
</ul>
</body>
</html>
`;

function route(x: Exchange, cap: number): void {
  const path = x.url.pathname;
  const method = x.req.method ?? 'GET';
  const readOnly = method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
  const notAllowed = (): void =>
    sendText(x.res, 405, '<h1>Method Not Allowed</h1>\n', { Allow: 'GET, HEAD, OPTIONS' });
  if (path === '/' && readOnly) return sendText(x.res, 200, INDEX);
  if (path === '/headers')
    return readOnly
      ? sendJson(x.res, { headers: requestHeaders(x.req, x.url.searchParams.has('show_env')) })
      : notAllowed();
  if (path === '/ip') return readOnly ? sendJson(x.res, { origin: origin(x.req) }) : notAllowed();
  if (path === '/user-agent') return sendJson(x.res, { 'user-agent': x.req.headers['user-agent'] ?? null });
  if (path === '/get') return readOnly ? sendJson(x.res, requestInfo(x, false)) : notAllowed();
  if (['/post', '/put', '/patch', '/delete'].includes(path)) {
    return method === path.slice(1).toUpperCase() ? sendJson(x.res, requestInfo(x, true)) : notAllowed();
  }
  if (path === '/anything' || path.startsWith('/anything/'))
    return sendJson(x.res, { ...requestInfo(x, true), method });
  const statusMatch = /^\/status\/([^/]+)$/.exec(path);
  if (statusMatch?.[1] !== undefined) return status(x, statusMatch[1]);
  const delayMatch = /^\/delay\/([^/]+)$/.exec(path);
  if (delayMatch?.[1] !== undefined) return delay(x, delayMatch[1], cap);
  return sendText(
    x.res,
    404,
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n',
  );
}

export interface HttpbinOptions {
  /** Cap for /delay/{s}, in seconds (tests lower it). */
  maxDelaySeconds?: number;
}

/** An httpbin HTTP server, not yet listening. */
export function createHttpbinServer(options: HttpbinOptions = {}): Server {
  const cap = options.maxDelaySeconds ?? MAX_DELAY_SECONDS;
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return sendText(res, 413, '<h1>Request Entity Too Large</h1>\n');
      const url = new URL(req.url ?? '/', 'http://httpbin');
      route({ req, res, url, body: Buffer.concat(chunks) }, cap);
    });
  });
}
