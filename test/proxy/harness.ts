// Test fixtures for the sidecar: echo apps, two pods' snapshots, and clients of every kind.
import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { Agent, IncomingHttpHeaders, Server } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type {
  InboundListener,
  OutboundService,
  ProxySnapshot,
  ServerMode,
  UpstreamTls,
} from '../../src/api/index.js';
import type { WorkloadCertificate } from '../../src/proxy/index.js';

export interface EchoApp {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** An app that answers with what it received; `/slow?ms=N` waits first; `/status/N` answers N. */
export async function startEchoApp(host = '127.0.0.1'): Promise<EchoApp> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const answer = (): void => {
        const body = JSON.stringify({
          method: req.method,
          url: req.url,
          rawHeaders: req.rawHeaders,
          rawTrailers: req.rawTrailers,
          body: Buffer.concat(chunks).toString(),
          remote: req.socket.remoteAddress,
        });
        const status = url.pathname.startsWith('/status/') ? Number(url.pathname.slice(8)) : 200;
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      };
      const ms = Number(url.searchParams.get('ms') ?? 0);
      if (url.pathname === '/slow') setTimeout(answer, ms);
      else if (url.pathname === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-done' });
        res.write('part1-');
        setTimeout(() => {
          res.write('part2');
          res.addTrailers({ 'x-done': 'yes' });
          res.end();
        }, 20);
      } else answer();
    });
  });
  // Upgrade: answer 101 and echo every byte back in upper case.
  server.on('upgrade', (_req, socket, head) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n');
    if (head.length > 0) socket.write(head.toString().toUpperCase());
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface PodSpec {
  pod: string;
  namespace: string;
  serviceAccount: string;
  podIP: string;
  appPort: number;
  cert: WorkloadCertificate;
}

export function snapshotFor(
  pod: PodSpec,
  mode: ServerMode,
  outbound: OutboundService[] = [],
  version = `v-${mode}-${Math.random()}`,
  protocol: InboundListener['protocol'] = 'http',
): ProxySnapshot {
  return {
    version,
    proxy: {
      pod: pod.pod,
      namespace: pod.namespace,
      serviceAccount: pod.serviceAccount,
      spiffeId: pod.cert.spiffeId,
      podIP: pod.podIP,
    },
    mesh: { autoMtls: true, mtlsEnabled: false, trustDomain: 'cluster.local', rootNamespace: 'istio-system' },
    inbound: [{ port: pod.appPort, protocol, mode, reason: `${mode} (test)` }],
    outbound,
  };
}

export function meshTls(server: PodSpec, servicePort: number, hostname: string): UpstreamTls {
  return {
    mode: 'ISTIO_MUTUAL',
    reason: 'test',
    sni: `outbound_.${servicePort}_._.${hostname}`,
    sans: [server.cert.spiffeId],
  };
}

export function serviceFor(
  name: string,
  namespace: string,
  servicePort: number,
  endpoints: Array<{ pod: PodSpec; tls: UpstreamTls }>,
): OutboundService {
  const hostname = `${name}.${namespace}.svc.cluster.local`;
  return {
    hostname,
    name,
    namespace,
    aliases: [hostname, `${name}.${namespace}`, `${name}.${namespace}.svc`, name],
    ports: [
      {
        port: servicePort,
        name: 'http',
        protocol: 'http',
        endpoints: endpoints.map(({ pod, tls }) => ({
          address: pod.podIP,
          port: pod.appPort,
          pod: pod.pod,
          namespace: pod.namespace,
          hasSidecar: true,
          tls,
        })),
      },
    ],
  };
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  error?: string;
}

/** One HTTP request; connection errors come back as `error` instead of throwing. */
export function httpRequest(options: {
  host: string;
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  agent?: Agent | false;
}): Promise<HttpResult> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: options.host,
        port: options.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', (err: NodeJS.ErrnoException) =>
          resolve({ status: 0, headers: {}, body: '', error: err.code ?? err.message }),
        );
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('test request timeout')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ status: 0, headers: {}, body: '', error: err.code ?? err.message }),
    );
    req.end(options.body);
  });
}

/** Headers the app saw, by lower-case name, every value kept (duplicates too). */
export function appSaw(result: HttpResult): {
  method: string;
  url: string;
  headers: Map<string, string[]>;
  body: string;
} {
  const parsed = JSON.parse(result.body) as {
    method: string;
    url: string;
    rawHeaders: string[];
    body: string;
  };
  const headers = new Map<string, string[]>();
  for (let i = 0; i < parsed.rawHeaders.length; i += 2) {
    const name = parsed.rawHeaders[i]!.toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), parsed.rawHeaders[i + 1]!]);
  }
  return { method: parsed.method, url: parsed.url, headers, body: parsed.body };
}

/** A TLS client straight to a sidecar's inbound port: one request, Connection: close. */
export function tlsRequest(options: {
  host: string;
  port: number;
  cert: WorkloadCertificate;
  trustBundle: string[];
  alpn: string[];
  headers?: string[];
}): Promise<HttpResult> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host: options.host,
      port: options.port,
      key: options.cert.privateKeyPem,
      cert: options.cert.certChainPem.join(''),
      ca: options.trustBundle,
      ALPNProtocols: options.alpn,
      checkServerIdentity: () => undefined,
    });
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.on('secureConnect', () => {
      socket.write(
        `GET /headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${(options.headers ?? []).map((h) => `${h}\r\n`).join('')}\r\n`,
      );
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m === null) {
        resolve({ status: 0, headers: {}, body: text, error: error ?? 'closed without a response' });
        return;
      }
      resolve({ status: Number(m[1]), headers: {}, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

/** Runs the real curl; returns its exit code and `%{http_code}`. */
export function curl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-s', '-S', '--max-time', '10', '-w', '%{http_code}', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Polls until check() is true or the time is up (bounded). */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

/** Writes bytes on a raw connection and collects everything until the peer closes (bounded). */
export function rawExchange(
  host: string,
  port: number,
  chunks: Array<string | Buffer>,
  options: { endAfterWrite?: boolean; timeoutMs?: number; gapMs?: number } = {},
): Promise<{ text: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const received: Buffer[] = [];
    let error: string | undefined;
    socket.setTimeout(options.timeoutMs ?? 5000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => {
      void (async () => {
        for (const c of chunks) {
          socket.write(c);
          if (options.gapMs !== undefined) await new Promise((r) => setTimeout(r, options.gapMs));
        }
        if (options.endAfterWrite === true) socket.end();
      })();
    });
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.on('close', () => resolve({ text: Buffer.concat(received).toString('latin1'), error }));
  });
}

/** A connection kept open by hand (plain, or TLS with a client certificate): what arrived, when it closed. */
export interface RawConnection {
  socket: Socket;
  received(): string;
  /** HTTP/1.1 responses received so far (status lines counted). */
  responses(): number;
  isClosed(): boolean;
  closed: Promise<void>;
}

export function openRaw(options: {
  host: string;
  port: number;
  tls?: { cert: WorkloadCertificate; alpn: string[] };
}): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const { tls } = options;
    const socket =
      tls === undefined
        ? netConnect({ host: options.host, port: options.port })
        : tlsConnect({
            host: options.host,
            port: options.port,
            key: tls.cert.privateKeyPem,
            cert: tls.cert.certChainPem.join(''),
            ca: tls.cert.trustBundlePem,
            ALPNProtocols: tls.alpn,
            checkServerIdentity: () => undefined,
          });
    const chunks: Buffer[] = [];
    let closed = false;
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.setTimeout(10_000, () => socket.destroy(new Error('test connection timeout')));
    const closedPromise = new Promise<void>((r) =>
      socket.once('close', () => {
        closed = true;
        r();
      }),
    );
    const received = (): string => Buffer.concat(chunks).toString('latin1');
    socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
      socket.removeListener('error', reject);
      socket.on('error', () => undefined); // 'close' follows; the test reads what arrived
      resolve({
        socket,
        received,
        responses: () => received().split('HTTP/1.1 ').length - 1,
        isClosed: () => closed,
        closed: closedPromise,
      });
    });
    socket.once('error', reject);
  });
}

/** How many inbound connections a sidecar closed on its own for `reason` (its admin metric). */
export function retiredConnections(proxy: { metrics: { render(): string } }, reason: string): number {
  const m = new RegExp(
    `automesh_connections_retired_total\\{direction="inbound",reason="${reason}"\\} (\\d+)`,
  ).exec(proxy.metrics.render());
  return m === null ? 0 : Number(m[1]);
}
