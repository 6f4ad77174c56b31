// The client sidecar's explicit proxy: name resolution, per-endpoint TLS, retries, the 503s of
// the contract, passthrough, CONNECT, hop-by-hop headers, and the admin endpoints.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Agent } from 'node:http';
import type { OutboundService, UpstreamTls } from '../../src/api/index.js';
import { startProxy } from '../../src/proxy/index.js';
import { FixedCertificateSource } from '../support/pki.js';
import { appSaw, httpRequest, rawExchange, serviceFor, snapshotFor, meshTls } from './harness.js';
import type { PodSpec } from './harness.js';
import { SERVICE_PORT, startMeshPair } from './mesh-pair.js';
import type { MeshPair } from './mesh-pair.js';

const PLAIN: UpstreamTls = { mode: 'DISABLE', reason: 'test' };
const RESET = 'upstream connect error or disconnect/reset before headers. reset reason: ';

interface RawServer {
  server: Server;
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function rawServer(onConnection: (socket: Socket, index: number) => void): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const state: RawServer = {
    server: createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      onConnection(socket, state.connections++);
    }),
    port: 0,
    connections: 0,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => state.server.close(() => resolve()));
    },
  };
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

async function freePort(): Promise<number> {
  const s = await rawServer(() => undefined);
  await s.close();
  return s.port;
}

function pod(name: string, port: number): PodSpec & { podIP: string } {
  return {
    pod: name,
    namespace: 'default',
    serviceAccount: name,
    podIP: '127.0.0.1',
    appPort: port,
    cert: undefined as never,
  };
}

describe('outbound explicit proxy', () => {
  let mesh: MeshPair;
  let resetServer: RawServer;
  let staleServer: RawServer;
  let stalePosts = 0;
  let refusedPort: number;

  const via = (url: string, headers?: Record<string, string>, agent?: Agent) =>
    httpRequest({ host: mesh.client.podIP, port: mesh.clientProxy.outboundPort, path: url, headers, agent });

  async function route(services: OutboundService[]): Promise<void> {
    const r = await mesh.clientProxy.applyAndWait(snapshotFor(mesh.client, 'PERMISSIVE', services));
    assert.ok(r.ok, r.ok ? '' : r.error);
  }

  before(async () => {
    mesh = await startMeshPair();
    await mesh.setServerMode('STRICT');
    refusedPort = await freePort();
    resetServer = await rawServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    // Answers the first request of each connection, then drops the connection at the next one
    // without answering: what a pooled connection meets when the app's keep-alive just expired.
    staleServer = await rawServer((socket) => {
      let seen = 0;
      socket.on('data', (d: Buffer) => {
        if (d.toString('latin1').startsWith('POST ')) stalePosts++;
        if (seen++ === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.destroy();
      });
    });
  });
  after(async () => {
    await Promise.all([mesh.close(), resetServer.close(), staleServer.close()]);
  });

  it('resolves every alias of a service and sends origin-form without hop-by-hop or Proxy-* headers', async () => {
    await mesh.setClientTls('mesh');
    for (const host of ['httpbin', 'httpbin.full', 'httpbin.full.svc', 'httpbin.full.svc.cluster.local']) {
      const r = await via(`http://${host}:${SERVICE_PORT}/headers?x=1`, {
        'proxy-authorization': 'Basic c2VjcmV0',
        'proxy-connection': 'keep-alive',
        connection: 'keep-alive, x-hop',
        'x-hop': 'dropped',
        'keep-alive': 'timeout=5',
        'x-end-to-end': 'kept',
      });
      assert.equal(r.status, 200, `${host}: ${r.body}`);
      const saw = appSaw(r);
      assert.equal(saw.url, '/headers?x=1');
      for (const name of ['proxy-authorization', 'proxy-connection', 'x-hop', 'keep-alive', 'connection']) {
        assert.equal(saw.headers.get(name), undefined, `${name} reached the app`);
      }
      assert.deepEqual(saw.headers.get('x-end-to-end'), ['kept']);
    }
  });

  it('retries a refused connection on another endpoint', async () => {
    await route([
      serviceFor('two', 'full', SERVICE_PORT, [
        { pod: pod('dead', refusedPort), tls: PLAIN },
        { pod: mesh.server, tls: meshTls(mesh.server, SERVICE_PORT, 'two.full.svc.cluster.local') },
      ]),
    ]);
    for (let i = 0; i < 4; i++) {
      const r = await via(`http://two.full:${SERVICE_PORT}/status/200`);
      assert.equal(r.status, 200, r.body);
    }
    const stats = await (
      await fetch(`http://${mesh.client.podIP}:${mesh.clientProxy.adminPort}/stats/prometheus`)
    ).text();
    assert.match(
      stats,
      /automesh_handshake_failures_total\{direction="outbound",reason="econnrefused"\} [1-9]/,
    );
  });

  it('answers 503 connection failure when every attempt fails', async () => {
    await route([serviceFor('dead', 'full', SERVICE_PORT, [{ pod: pod('dead', refusedPort), tls: PLAIN }])]);
    const r = await via(`http://dead.full:${SERVICE_PORT}/`);
    assert.equal(r.status, 503);
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.match(r.body, /, transport failure reason: ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    assert.equal(r.body.slice(0, r.body.indexOf(',')), `${RESET}connection failure`);
  });

  it('answers 503 connection termination for a reset after the request was sent, without retrying', async () => {
    await route([
      serviceFor('resetter', 'full', SERVICE_PORT, [{ pod: pod('r', resetServer.port), tls: PLAIN }]),
    ]);
    const before = resetServer.connections;
    const r = await via(`http://resetter.full:${SERVICE_PORT}/`);
    assert.equal(r.status, 503);
    assert.equal(r.body, `${RESET}connection termination`);
    assert.equal(resetServer.connections - before, 1);
  });

  it('resends once on a fresh connection when a pooled one turns out stale', async () => {
    await route([
      serviceFor('stale', 'full', SERVICE_PORT, [{ pod: pod('s', staleServer.port), tls: PLAIN }]),
    ]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = staleServer.connections;
    const first = await via(`http://stale.full:${SERVICE_PORT}/1`, undefined, agent);
    const second = await via(`http://stale.full:${SERVICE_PORT}/2`, undefined, agent);
    agent.destroy();
    assert.deepEqual([first.status, second.status], [200, 200], second.body);
    assert.equal(staleServer.connections - before, 2);
  });

  it('never resends a POST the app may have read: answers 503 connection termination', async () => {
    await route([
      serviceFor('stale', 'full', SERVICE_PORT, [{ pod: pod('s', staleServer.port), tls: PLAIN }]),
    ]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const postsBefore = stalePosts;
    const first = await via(`http://stale.full:${SERVICE_PORT}/1`, undefined, agent);
    const post = await httpRequest({
      host: mesh.client.podIP,
      port: mesh.clientProxy.outboundPort,
      path: `http://stale.full:${SERVICE_PORT}/pay`,
      method: 'POST',
      body: 'pay=1',
      agent,
    });
    agent.destroy();
    assert.equal(first.status, 200);
    assert.equal(stalePosts - postsBefore, 1, 'the app received the POST more than once');
    assert.equal(post.status, 503);
    assert.equal(post.body, `${RESET}connection termination`);
  });

  it('answers 503 no healthy upstream for a service without endpoints', async () => {
    await route([serviceFor('empty', 'full', SERVICE_PORT, [])]);
    const r = await via(`http://empty.full:${SERVICE_PORT}/`);
    assert.equal(r.status, 503);
    assert.equal(r.body, 'no healthy upstream');
  });

  it('answers 503 with the reason, sending nothing, when every endpoint is refused (require mTLS)', async () => {
    const app = await rawServer((socket) => socket.end());
    try {
      const refuse: UpstreamTls = {
        mode: 'REFUSE',
        reason: 'the client requires mTLS, and the endpoint has no sidecar',
      };
      await route([
        serviceFor('legacy', 'full', SERVICE_PORT, [{ pod: pod('legacy', app.port), tls: refuse }]),
      ]);
      const r = await via(`http://legacy.full:${SERVICE_PORT}/`);
      assert.equal(r.status, 503);
      assert.equal(r.headers['content-type'], 'text/plain');
      assert.equal(
        r.body,
        `${RESET}mTLS required, the client requires mTLS, and the endpoint has no sidecar`,
      );
      assert.equal(app.connections, 0, 'nothing was sent to the endpoint');
    } finally {
      await app.close();
    }
  });

  it('leaves refused endpoints out of the rotation while another endpoint may be used', async () => {
    const refuse: UpstreamTls = { mode: 'REFUSE', reason: 'no sidecar' };
    await route([
      serviceFor('partial', 'full', SERVICE_PORT, [
        { pod: pod('dead', refusedPort), tls: refuse },
        { pod: pod('app', mesh.serverApp.port), tls: PLAIN },
      ]),
    ]);
    for (let i = 0; i < 4; i++) {
      const r = await via(`http://partial.full:${SERVICE_PORT}/n${i}`);
      assert.equal(r.status, 200, `request ${i} went to the refused endpoint`);
    }
  });

  it('passes unknown hosts through as addressed by default', async () => {
    const r = await via(`http://127.0.0.1:${mesh.serverApp.port}/direct`);
    assert.equal(r.status, 200);
    assert.equal(appSaw(r).url, '/direct');
  });

  it('refuses unknown hosts with a 404 that says why when configured to', async () => {
    const proxy = await startProxy({
      podIP: '127.0.0.4',
      outbound: { port: 0 },
      admin: { port: 0 },
      certificates: new FixedCertificateSource(mesh.client.cert),
      unknownHosts: 'refuse',
      snapshot: snapshotFor({ ...mesh.client, podIP: '127.0.0.4' }, 'PERMISSIVE'),
    });
    try {
      const r = await httpRequest({
        host: '127.0.0.4',
        port: proxy.outboundPort,
        path: `http://example.invalid:80/`,
      });
      assert.equal(r.status, 404);
      assert.match(r.body, /unknown host example\.invalid:80/);
    } finally {
      await proxy.close();
    }
  });

  it('tunnels CONNECT to a mesh service over mTLS', async () => {
    await mesh.setClientTls('mesh');
    const r = await rawExchange(mesh.client.podIP, mesh.clientProxy.outboundPort, [
      `CONNECT httpbin.full:${SERVICE_PORT} HTTP/1.1\r\nHost: httpbin.full:${SERVICE_PORT}\r\n\r\n`,
      `GET /through-tunnel HTTP/1.1\r\nHost: httpbin\r\nConnection: close\r\n\r\n`,
    ]);
    assert.match(r.text, /^HTTP\/1\.1 200 Connection established\r\n\r\nHTTP\/1\.1 200 OK/);
    assert.match(r.text, /"\/through-tunnel"/);
    assert.match(
      r.text,
      /x-forwarded-client-cert","By=spiffe:\/\/cluster.local\/ns\/full\/sa\/httpbin;Hash=[0-9a-f]{64};Subject=\\"\\";URI=spiffe:\/\/cluster.local\/ns\/default\/sa\/sleep"/i,
    );
  });

  it('refuses a malformed snapshot and keeps the last good one in force', async () => {
    await mesh.setClientTls('mesh');
    const good = mesh.clientProxy.snapshot()!;
    const bad = {
      ...good,
      version: 'bad',
      inbound: [{ port: 0, protocol: 'http', mode: 'SOMETIMES', reason: '' }],
    };
    const result = mesh.clientProxy.apply(bad as never);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /inbound\.0/);
    const dump = (await (
      await fetch(`http://${mesh.client.podIP}:${mesh.clientProxy.adminPort}/config_dump`)
    ).json()) as { version: string };
    assert.equal(dump.version, good.version);
    const r = await via(`http://httpbin.full:${SERVICE_PORT}/status/200`);
    assert.equal(r.status, 200);
  });

  it('serves its certificate without the key, and readiness', async () => {
    const admin = `http://${mesh.client.podIP}:${mesh.clientProxy.adminPort}`;
    const certs = await (await fetch(`${admin}/certs`)).text();
    assert.match(certs, /"identity": "spiffe:\/\/cluster.local\/ns\/default\/sa\/sleep"/);
    assert.match(certs, /BEGIN CERTIFICATE/);
    assert.doesNotMatch(certs, /PRIVATE KEY/);
    assert.equal((await fetch(`${admin}/ready`)).status, 200);
  });
});

describe('certificate rotation', () => {
  it('presents the new certificate on new connections after a rotation, without failing a request', async () => {
    const { createHash, X509Certificate } = await import('node:crypto');
    const { issueLeaf, spiffeId } = await import('../support/pki.js');
    const mesh = await startMeshPair();
    try {
      await mesh.setServerMode('STRICT');
      const call = () =>
        httpRequest({
          host: mesh.client.podIP,
          port: mesh.clientProxy.outboundPort,
          path: `http://httpbin.full:${SERVICE_PORT}/headers`,
        });
      const hashOf = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
      const first = await call();
      assert.match(
        appSaw(first).headers.get('x-forwarded-client-cert')![0]!,
        new RegExp(`Hash=${hashOf(mesh.client.cert.certChainPem[0]!)}`),
      );
      const renewed = await issueLeaf(mesh.ca, spiffeId('default', 'sleep'));
      mesh.clientCertificates.rotate(renewed);
      const second = await call();
      assert.equal(second.status, 200);
      assert.match(
        appSaw(second).headers.get('x-forwarded-client-cert')![0]!,
        new RegExp(`Hash=${hashOf(renewed.certChainPem[0]!)}`),
      );
      const certs = (await (
        await fetch(`http://${mesh.client.podIP}:${mesh.clientProxy.adminPort}/certs`)
      ).json()) as { serialNumber: string };
      assert.equal(certs.serialNumber, renewed.serialNumber);
    } finally {
      await mesh.close();
    }
  });
});

describe('pipelined local answers', () => {
  it('answers thousands of pipelined requests to a service without endpoints, in order', async () => {
    const mesh = await startMeshPair();
    try {
      const r = await mesh.clientProxy.applyAndWait(
        snapshotFor(mesh.client, 'PERMISSIVE', [serviceFor('empty', 'full', SERVICE_PORT, [])]),
      );
      assert.ok(r.ok);
      const one = `GET http://empty.full:${SERVICE_PORT}/ HTTP/1.1\r\nHost: empty.full\r\n\r\n`;
      const last = `GET http://empty.full:${SERVICE_PORT}/ HTTP/1.1\r\nHost: empty.full\r\nConnection: close\r\n\r\n`;
      const out = await rawExchange(
        mesh.client.podIP,
        mesh.clientProxy.outboundPort,
        [one.repeat(5000) + last],
        {
          timeoutMs: 20_000,
        },
      );
      assert.equal(out.text.match(/HTTP\/1\.1 503 /g)?.length, 5001);
      assert.match(out.text, /no healthy upstream$/);
    } finally {
      await mesh.close();
    }
  });
});
