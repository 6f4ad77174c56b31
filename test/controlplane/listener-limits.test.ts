// Every control-plane listener bounds what an unauthenticated peer can hold: a TLS handshake (an
// HTTP request's headers) must finish in time, a connection with nothing in flight is closed, and
// connections past the cap are refused, while sidecars' renewals, discovery streams and watches
// carry on. Limits are shortened for the test.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { CaServer } from '../../src/controlplane/ca/index.js';
import { startCaServer } from '../../src/controlplane/ca/index.js';
import { startApiServer } from '../../src/controlplane/index.js';
import { PodTokenIssuer } from '../../src/identity/index.js';
import { silentLogger } from '../../src/log/index.js';
import { MemoryConfigStore } from '../../src/store/index.js';
import { rawCall } from '../identity/ca-call.js';
import { tempDir } from '../identity/support.js';
import type { DiscoveryHarness } from '../support/discovery-harness.js';
import { sleep, startDiscoveryHarness, waitFor } from '../support/discovery-harness.js';
import { namespace, pod } from '../support/mesh-fixtures.js';
import { httpRequest } from '../../src/controlplane/client/http-request.js';
import { apiTestTls } from '../support/api-tls.js';

const SHORT = { handshakeTimeoutMs: 300, idleTimeoutMs: 600, maxConnections: 16 };
/** Timers fire late on a loaded machine: how far past its limit a close may come. */
const SLACK_MS = 1_500;
/** The client connection preface and an empty SETTINGS frame (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
  Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
]);

interface Held {
  socket: Socket;
  openedAt: number;
  /** Resolves with how long the connection stayed open once the server closes it. */
  closed: Promise<number>;
}

function hold(socket: Socket): Held {
  const openedAt = Date.now();
  socket.on('error', () => socket.destroy());
  // Read (and drop) what the server sends, so that its close is seen.
  socket.resume();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - openedAt)));
  return { socket, openedAt, closed };
}

/** TCP only: never starts the TLS handshake. */
function silent(port: number): Held {
  return hold(tcpConnect({ host: '127.0.0.1', port }));
}

/** TLS without a client certificate, ALPN h2, the HTTP/2 preface, then nothing. */
function idleH2(port: number): Held {
  const socket = tlsConnect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false });
  socket.once('secureConnect', () => socket.write(H2_PREFACE));
  return hold(socket);
}

async function openFor(held: Held[]): Promise<number[]> {
  return Promise.race([
    Promise.all(held.map((h) => h.closed)),
    sleep(10_000).then(() => {
      throw new Error('connections still open after 10 s');
    }),
  ]);
}

describe('control-plane listener limits', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
  const token = (): string =>
    issuer.mint({ namespace: 'shop', serviceAccount: 'web', pod: 'web-1', podUid: 'uid-web-1' }, 300);
  before(async () => {
    dir = await tempDir();
  });
  after(async () => dir.remove());

  const startCa = (limits: Partial<typeof SHORT>): Promise<CaServer> =>
    startCaServer({
      stateDir: dir.path,
      trustDomain: 'cluster.local',
      tokenVerifier: issuer,
      limits,
      logger: silentLogger,
    });

  it('CA: closes idle unauthenticated HTTP/2 connections and stalled handshakes, renewals go on', async () => {
    const ca = await startCa(SHORT);
    const held: Held[] = [];
    try {
      const idle = Array.from({ length: 6 }, () => idleH2(ca.port));
      const stalled = Array.from({ length: 3 }, () => silent(ca.port));
      held.push(...idle, ...stalled);
      const first = await rawCall(ca, { token: token() });
      assert.ok(first.ok, first.ok ? '' : first.details);
      const renewed = await rawCall(ca, {
        clientCert: { privateKeyPem: first.keyPem, certChainPem: first.res.cert_chain },
      });
      assert.ok(renewed.ok, renewed.ok ? '' : renewed.details);
      const idleMs = await openFor(idle);
      const stalledMs = await openFor(stalled);
      for (const ms of idleMs)
        assert.ok(ms <= SHORT.idleTimeoutMs + SLACK_MS, `idle connection open ${ms} ms`);
      for (const ms of stalledMs)
        assert.ok(ms <= SHORT.handshakeTimeoutMs + SLACK_MS, `stalled handshake open ${ms} ms`);
      const deadline = Date.now() + SHORT.idleTimeoutMs + SLACK_MS;
      while ((await ca.connections()) > 0 && Date.now() < deadline) await sleep(20);
      assert.equal(await ca.connections(), 0, 'nothing left open, the renewal clients included');
    } finally {
      for (const h of held) h.socket.destroy();
      await ca.close();
    }
  });

  it('CA: refuses connections past the cap while those under it stay', async () => {
    const ca = await startCa({ handshakeTimeoutMs: 20_000, idleTimeoutMs: 20_000, maxConnections: 4 });
    const held: Held[] = [];
    try {
      held.push(...Array.from({ length: 4 }, () => silent(ca.port)));
      const deadline = Date.now() + 5_000;
      while ((await ca.connections()) < 4 && Date.now() < deadline) await sleep(10);
      assert.equal(await ca.connections(), 4);
      const over = Array.from({ length: 3 }, () => silent(ca.port));
      held.push(...over);
      for (const ms of await openFor(over)) assert.ok(ms < 1_000, `connection past the cap open ${ms} ms`);
      assert.equal(await ca.connections(), 4, 'the four under the cap are still open');
    } finally {
      for (const h of held) h.socket.destroy();
      await ca.close();
    }
  });

  describe('discovery', () => {
    let h: DiscoveryHarness;
    before(async () => {
      h = await startDiscoveryHarness({ limits: { ...SHORT, maxConnections: 8 } });
      await h.store.create(namespace('shop'));
      await h.store.create(pod('shop', 'web-1', { sa: 'web' }));
      await h.sidecar('shop', 'web-1', { sa: 'web' });
      await waitFor(() => h.sidecars[0]?.applied.length === 1, 'first snapshot');
    });
    after(async () => h.close());

    it('closes unauthenticated and stalled connections, keeps a sidecar stream past the idle limit', async () => {
      const port = h.server.port;
      const idle = Array.from({ length: 4 }, () => idleH2(port));
      const stalled = Array.from({ length: 3 }, () => silent(port));
      for (const ms of await openFor(idle)) assert.ok(ms <= SHORT.idleTimeoutMs + SLACK_MS, `open ${ms} ms`);
      for (const ms of await openFor(stalled))
        assert.ok(ms <= SHORT.handshakeTimeoutMs + SLACK_MS, `stalled handshake open ${ms} ms`);
      await sleep(3 * SHORT.idleTimeoutMs);
      const status = h.sidecars[0]?.client.status();
      assert.equal(status?.connected, true);
      assert.equal(status?.reconnects, 0, 'the stream was never cut');
      assert.equal(await h.server.connections(), 1);
    });
  });

  it('API server: closes silent and idle keep-alive connections, keeps a watch, refuses past the cap', async () => {
    const store = new MemoryConfigStore();
    const { tls, caPem } = await apiTestTls();
    const api = await startApiServer({
      store,
      adminToken: 'admin-token-0123456789',
      tls,
      limits: { ...SHORT, maxConnections: 6 },
    });
    const held: Held[] = [];
    try {
      const watch = await httpRequest(`${api.url}/api/v1/namespaces/default/services?watch=true`, {
        method: 'GET',
        headers: { authorization: 'Bearer admin-token-0123456789' },
        ca: caPem,
      });
      assert.equal(watch.status, 200);
      const stalled = Array.from({ length: 3 }, () => silent(api.port));
      held.push(...stalled);
      for (const ms of await openFor(stalled))
        assert.ok(ms <= SHORT.handshakeTimeoutMs + SLACK_MS, `silent connection open ${ms} ms`);
      const keepAlive = hold(tlsConnect({ host: '127.0.0.1', port: api.port, ca: caPem }));
      held.push(keepAlive);
      keepAlive.socket.write(
        'GET /api/v1/namespaces HTTP/1.1\r\nhost: x\r\nauthorization: Bearer admin-token-0123456789\r\n\r\n',
      );
      assert.ok((await keepAlive.closed) <= SHORT.idleTimeoutMs + SLACK_MS + 500, 'idle keep-alive closed');
      const over = Array.from({ length: 8 }, () => silent(api.port));
      held.push(...over);
      const overMs = await openFor(over);
      assert.ok(overMs.filter((ms) => ms < 200).length >= 3, `past the cap: ${overMs.join(', ')} ms`);
      await sleep(SHORT.idleTimeoutMs);
      await store.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'default' },
        spec: { ports: [{ port: 80 }] },
      });
      const [chunk] = (await once(watch.body, 'data')) as [Buffer];
      assert.match(chunk.toString(), /"ADDED"/, 'the watch outlived the idle limit');
      watch.body.destroy();
    } finally {
      for (const h of held) h.socket.destroy();
      await api.close();
      await store.close();
    }
  });
});
