import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { Server as TcpServer, Socket } from 'node:net';
import { ServiceTable, startServiceProxy, hostPort } from '../../src/runtime/index.js';
import type { PodView } from '../../src/runtime/index.js';
import type { Service } from '../../src/api/index.js';
import { curl, randomAddressBlock } from './support.js';

const BLOCK = randomAddressBlock();
const ip = (n: number): string => `127.${BLOCK}.0.${n}`;
const NOT_ROOT = false;
const mapPort = (p: number): number => hostPort(p, NOT_ROOT);

function service(
  name: string,
  ns: string,
  selector: Record<string, string>,
  port: number,
  targetPort: number | string,
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector, ports: [{ name: 'http', port, targetPort }] },
  };
}

function pod(name: string, ns: string, n: number, labels: Record<string, string>, ready = true): PodView {
  return { namespace: ns, name, labels, ip: ip(n), ready, ports: [{ containerPort: 80, name: 'http' }] };
}

describe('plain service proxy', () => {
  const servers: (Server | TcpServer)[] = [];
  const sockets = new Set<Socket>();
  const table = new ServiceTable();
  let proxyUrl: string;
  let closeProxy: () => Promise<void>;

  before(async () => {
    // Two ready web pods and one not ready, each answering with its own name; apps listen on the
    // mapped port (80 → 15080), as the runtime makes them when not root.
    for (const [n, name] of [
      [2, 'web-a'],
      [3, 'web-b'],
      [4, 'web-c'],
    ] as const) {
      const server = createServer((req, res) =>
        res.end(`${name} ${req.method} ${req.url} host=${req.headers.host}`),
      );
      await new Promise<void>((r) => server.listen(mapPort(80), ip(n), r));
      servers.push(server);
    }
    // A server that resets every connection once the request arrives (like a STRICT sidecar
    // receiving plaintext).
    const resetter = createTcpServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => socket.resetAndDestroy());
    });
    await new Promise<void>((r) => resetter.listen(mapPort(80), ip(5), r));
    servers.push(resetter);
    table.setServices([
      service('web', 'ns1', { app: 'web' }, 8000, 80),
      service('strict', 'ns1', { app: 'strict' }, 8000, 'http'),
      service('empty', 'ns1', { app: 'nobody' }, 8000, 80),
    ]);
    table.setPods([
      pod('web-a', 'ns1', 2, { app: 'web' }),
      pod('web-b', 'ns1', 3, { app: 'web' }),
      pod('web-c', 'ns1', 4, { app: 'web' }, false),
      pod('strict-a', 'ns1', 5, { app: 'strict' }),
    ]);
    const clientNs = 'ns1';
    const proxy = await startServiceProxy({
      host: ip(10),
      port: 15001,
      resolve: (h, p) => table.resolve(clientNs, h, p),
      mapPort,
    });
    proxyUrl = `http://${ip(10)}:15001`;
    closeProxy = () => proxy.close();
  });

  after(async () => {
    await closeProxy();
    for (const s of sockets) s.destroy();
    for (const s of servers) {
      if ('closeAllConnections' in s) s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('forwards to ready endpoints by short and long names, round robin', async () => {
    const seen: string[] = [];
    for (const host of ['web', 'web.ns1', 'web.ns1.svc.cluster.local', 'web.ns1.svc']) {
      const r = await curl(['-x', proxyUrl, `http://${host}:8000/headers?x=1`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(`^web-[ab] GET /headers\\?x=1 host=${host.replace(/\./g, '\\.')}:8000$`),
      );
      seen.push(r.stdout.slice(0, 5));
    }
    assert.deepEqual(seen, ['web-a', 'web-b', 'web-a', 'web-b'], 'alternates, never the not-ready pod');
  });

  it('passes an upstream reset on as a reset (curl exit 56, code 000)', async () => {
    const r = await curl([
      '-x',
      proxyUrl,
      '-w',
      'response code: %{http_code}\n',
      'http://strict.ns1:8000/headers',
    ]);
    assert.equal(r.code, 56);
    assert.equal(r.stdout, 'response code: 000\n');
  });

  it('answers 503 for a service without ready endpoints and 502 for an unknown one', async () => {
    const empty = await curl(['-x', proxyUrl, '-w', '%{http_code}', '-o', '/dev/null', 'http://empty:8000/']);
    assert.equal(empty.stdout, '503');
    const unknown = await curl([
      '-x',
      proxyUrl,
      '-w',
      '%{http_code}',
      '-o',
      '/dev/null',
      'http://nope.other:8000/',
    ]);
    assert.equal(unknown.stdout, '502');
    const wrongPort = await curl([
      '-x',
      proxyUrl,
      '-w',
      '%{http_code}',
      '-o',
      '/dev/null',
      'http://web:9999/',
    ]);
    assert.equal(wrongPort.stdout, '502');
  });

  it('tunnels CONNECT to a service without TLS', async () => {
    const r = await curl(['-p', '-x', proxyUrl, 'http://web.ns1:8000/tunnel']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^web-[ab] GET \/tunnel/);
    const reset = await curl(['-p', '-x', proxyUrl, '-w', '%{http_code}', 'http://strict:8000/']);
    assert.equal(reset.code, 56);
  });

  it('is found by apps through http_proxy', async () => {
    const r = await curl(['http://web:8000/env'], { http_proxy: proxyUrl });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^web-[ab] GET \/env/);
  });
});
