// The plain service proxy: what apps in pods without a sidecar reach services through
// (`http_proxy=http://<podIP>:15001`). It resolves service names from the pod's namespace, picks a
// ready endpoint round robin and forwards HTTP/1.1 absolute-form requests and CONNECT tunnels
// without TLS. An upstream reset is passed on as a reset, so the client sees what it would have
// seen talking to the endpoint directly (curl: exit 56, `%{http_code}` 000).

import { createServer, request } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Resolution } from './service-table.js';

export type Resolver = (host: string, port: number) => Resolution;

export interface ServiceProxyOptions {
  host: string;
  port: number;
  /** Resolves a host and port from the request to an endpoint (already in container-port terms). */
  resolve: Resolver;
  /** Maps an endpoint's container port to the port bound on the host (see hostPort). */
  mapPort: (port: number) => number;
}

export interface ServiceProxy {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardHeaders(req: IncomingMessage): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const dropped = new Set(
    String(req.headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase()),
  );
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || dropped.has(lower)) continue;
    const before = headers[name];
    const value = req.rawHeaders[i + 1] ?? '';
    headers[name] =
      before === undefined ? value : [...(Array.isArray(before) ? before : [String(before)]), value];
  }
  return headers;
}

function reset(socket: Socket | Duplex): void {
  const s = socket as Socket;
  if (typeof s.resetAndDestroy === 'function' && !s.destroyed) s.resetAndDestroy();
  else socket.destroy();
}

function refuse(res: ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handleRequest(options: ServiceProxyOptions, req: IncomingMessage, res: ServerResponse): void {
  let target: URL;
  try {
    target = new URL(req.url ?? '');
  } catch {
    return refuse(res, 400, 'this is an HTTP proxy: send absolute-form requests (http://service:port/path)');
  }
  if (target.protocol !== 'http:') return refuse(res, 400, `unsupported scheme ${target.protocol}`);
  const port = target.port === '' ? 80 : Number(target.port);
  const where = options.resolve(target.hostname, port);
  if (!where.ok) return refuse(res, where.status, where.message);
  const upstream = request({
    host: where.ip,
    port: options.mapPort(where.port),
    // From the pod's own address, so the server (and its sidecar's /peers) sees which pod it is.
    localAddress: options.host,
    method: req.method,
    path: `${target.pathname}${target.search}`,
    headers: forwardHeaders(req),
    agent: false,
    setHost: false,
  });
  // Forward no Connection header of our own: the app sees the request as the client sent it.
  upstream.removeHeader('connection');
  upstream.on('response', (upstreamRes) => {
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, upstreamRes.rawHeaders);
    upstreamRes.pipe(res);
    upstreamRes.on('aborted', () => reset(req.socket));
    upstreamRes.on('error', () => reset(req.socket));
  });
  // Any upstream failure (refused, reset before or during the response) becomes a reset of the
  // client's connection: the plain proxy adds no answers of its own to the traffic it carries.
  upstream.on('error', () => reset(req.socket));
  req.pipe(upstream);
}

function handleConnect(
  options: ServiceProxyOptions,
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
): void {
  const [hostname = '', portText = '443'] = (req.url ?? '').split(/:(?=\d+$)/);
  const where = options.resolve(hostname, Number(portText));
  if (!where.ok) {
    client.end(
      `HTTP/1.1 ${where.status} ${where.status === 503 ? 'Service Unavailable' : 'Bad Gateway'}\r\ncontent-length: 0\r\n\r\n`,
    );
    return;
  }
  const upstream = connect({ port: options.mapPort(where.port), host: where.ip, localAddress: options.host });
  upstream.once('connect', () => {
    client.write('HTTP/1.1 200 Connection established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('error', () => reset(client));
  client.on('error', () => reset(upstream));
}

/** Starts a plain service proxy listening on host:port. */
export async function startServiceProxy(options: ServiceProxyOptions): Promise<ServiceProxy> {
  const server: Server = createServer((req, res) => handleRequest(options, req, res));
  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    handleConnect(options, req, socket, head),
  );
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  return {
    address: { host: options.host, port: options.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of connections) socket.destroy();
      }),
  };
}
