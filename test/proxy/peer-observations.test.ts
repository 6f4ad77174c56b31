// Observed traffic (behaviour.md "Migration safety"): the server sidecar records, per inbound
// port, each peer and how it arrived, with counts and first/last seen, bounded and windowed; its
// admin port shows them at /peers. Unit rules with a fake clock, then two real sidecars.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PEERS_PER_PORT, PeerObservations } from '../../src/proxy/inbound/peer-observations.js';
import { PLAINTEXT, TLS_PASSTHROUGH } from '../../src/proxy/inbound/admission.js';
import { DestinationObservations } from '../../src/proxy/outbound/destination-observations.js';
import { httpRequest, meshTls, snapshotFor } from './harness.js';
import { SERVICE_HOST, SERVICE_PORT, startMeshPair } from './mesh-pair.js';
import type { MeshPair } from './mesh-pair.js';

describe('peer observations', () => {
  it('counts connections and requests per peer, arrival and address, with first and last seen', () => {
    let now = 1_000;
    const peers = new PeerObservations(60_000, () => now);
    const sleep = 'spiffe://cluster.local/ns/full/sa/sleep';
    const first = peers.admitted(80, { kind: 'mtls', peer: sleep }, '127.0.0.2');
    first.request();
    now = 2_000;
    first.request();
    peers.admitted(80, { kind: 'mtls', peer: sleep }, '127.0.0.2');
    peers.admitted(80, PLAINTEXT, '127.0.0.3').request();
    peers.admitted(80, TLS_PASSTHROUGH, '127.0.0.3');
    now = 3_000;
    peers.refused(8080, '127.0.0.4', 'plaintext_on_strict');
    peers.refused(8080, '127.0.0.4', 'no_bytes_on_strict');
    assert.deepEqual(peers.view(), [
      {
        port: 80,
        observedSince: 1_000,
        peers: [
          // Seen last at the same moment: ordered by arrival, then peer, then address.
          {
            arrival: 'mtls',
            peer: sleep,
            address: '127.0.0.2',
            connections: 2,
            requests: 2,
            firstSeen: 1_000,
            lastSeen: 2_000,
          },
          {
            arrival: 'plaintext',
            peer: '127.0.0.3',
            address: '127.0.0.3',
            connections: 1,
            requests: 1,
            firstSeen: 2_000,
            lastSeen: 2_000,
          },
          {
            arrival: 'tls-passthrough',
            peer: '127.0.0.3',
            address: '127.0.0.3',
            connections: 1,
            requests: 0,
            firstSeen: 2_000,
            lastSeen: 2_000,
          },
        ],
      },
      {
        port: 8080,
        observedSince: 3_000,
        peers: [
          {
            arrival: 'refused',
            peer: '127.0.0.4',
            address: '127.0.0.4',
            connections: 2,
            // A refused connection is the client's one failed attempt.
            requests: 2,
            reason: 'no_bytes_on_strict',
            firstSeen: 3_000,
            lastSeen: 3_000,
          },
        ],
      },
    ]);
  });

  it('counts only the last window, and a request on an open connection keeps its peer seen', () => {
    let now = 0;
    const peers = new PeerObservations(10_000, () => now);
    const tally = peers.admitted(80, PLAINTEXT, '127.0.0.3');
    for (; now < 25_000; now += 500) tally.request(); // 50 requests over 25 s on one connection
    const [seen] = peers.view()[0]!.peers;
    assert.equal(seen!.lastSeen, 24_500);
    assert.equal(seen!.connections, 0, 'the connection was opened two windows ago');
    // Slices of a tenth of the window: the count covers 9 to 10 seconds back (18 to 20 requests).
    assert.ok(seen!.requests >= 18 && seen!.requests <= 20, String(seen!.requests));
    now = 40_000;
    assert.deepEqual(peers.view()[0]!.peers, [], 'forgotten once unseen for a window');
    tally.request();
    const back = peers.view()[0]!.peers;
    assert.deepEqual(
      back.map((p) => [p.peer, p.requests, p.lastSeen]),
      [['127.0.0.3', 1, 40_000]],
      'a request on the still-open connection brings it back',
    );
  });

  it('counts what a shadow policy would have refused, and tells the log once per peer and window', () => {
    let now = 0;
    const logged: string[] = [];
    const peers = new PeerObservations(10_000, () => now, {
      onShadowRefusal: (port, p) => logged.push(`${port} ${p.peer} ${p.shadow?.reason} ${p.shadow?.policy}`),
    });
    const shadow = { reason: 'plaintext_on_strict', policy: 'PeerAuthentication full/strict' };
    peers.admitted(80, PLAINTEXT, '127.0.0.3', shadow).request();
    now = 1_000;
    peers.admitted(80, PLAINTEXT, '127.0.0.3', shadow).request();
    peers.admitted(80, { kind: 'mtls', peer: 'spiffe://cluster.local/ns/full/sa/sleep' }, '127.0.0.2');
    const [mtls, plain] = peers.view()[0]!.peers.sort((a, b) => (a.arrival < b.arrival ? -1 : 1));
    assert.equal(mtls!.shadow, undefined);
    assert.deepEqual(plain!.shadow, { refusals: 2, ...shadow });
    assert.equal(plain!.requests, 2);
    assert.deepEqual(logged, ['80 127.0.0.3 plaintext_on_strict PeerAuthentication full/strict']);
    now = 12_000;
    peers.admitted(80, PLAINTEXT, '127.0.0.3', shadow);
    assert.equal(logged.length, 2, 'logged again once the window forgot the first');
  });

  it('watches a port anew when its mode changes, keeping what it saw', () => {
    let now = 0;
    const peers = new PeerObservations(60_000, () => now);
    peers.watch(80);
    peers.admitted(80, PLAINTEXT, '127.0.0.3');
    now = 30_000;
    peers.watch(80);
    assert.deepEqual(
      peers.view().map((p) => [p.port, p.observedSince, p.peers.length]),
      [[80, 30_000, 1]],
    );
    peers.forget(80);
    assert.deepEqual(peers.view(), []);
  });

  it('forgets peers not seen within the window', () => {
    let now = 0;
    const peers = new PeerObservations(10_000, () => now);
    peers.admitted(80, PLAINTEXT, '127.0.0.3');
    now = 5_000;
    peers.admitted(80, PLAINTEXT, '127.0.0.4');
    now = 12_000;
    assert.deepEqual(
      peers.view()[0]!.peers.map((p) => p.peer),
      ['127.0.0.4'],
    );
  });

  it('keeps at most MAX_PEERS_PER_PORT peers per port, dropping the least recently seen', () => {
    let now = 0;
    const peers = new PeerObservations(3_600_000, () => now);
    for (let i = 0; i < MAX_PEERS_PER_PORT + 50; i++) {
      now++;
      peers.admitted(80, PLAINTEXT, `10.0.${i >> 8}.${i & 255}`);
    }
    const seen = peers.view()[0]!.peers;
    assert.equal(seen.length, MAX_PEERS_PER_PORT);
    assert.ok(!seen.some((p) => p.peer === '10.0.0.0'), 'the oldest went first');
    assert.ok(
      seen.some((p) => p.peer === `10.0.1.${(MAX_PEERS_PER_PORT + 49) & 255}`),
      'the newest stayed',
    );
  });
});

describe('destination observations', () => {
  const destination = {
    service: 'httpbin.full.svc.cluster.local',
    servicePort: 8000,
    address: '127.0.0.3',
    port: 80,
    pod: 'httpbin-1',
    namespace: 'full',
    sent: 'ISTIO_MUTUAL' as const,
    reason: 'auto mTLS',
  };

  it('counts requests and failures per endpoint over the window, through a tally a connection holds', () => {
    let now = 0;
    const seen = new DestinationObservations(10_000, () => now);
    const tally = seen.tally(destination);
    tally.request(200);
    now = 1_000;
    tally.request(503);
    tally.request(0);
    assert.deepEqual(
      seen.view().map((d) => [d.requests, d.failures, d.firstSeen, d.lastSeen]),
      [[3, 2, 0, 1_000]],
    );
    now = 20_000;
    assert.deepEqual(seen.view(), [], 'forgotten after a window');
    tally.request(200);
    assert.deepEqual(
      seen.view().map((d) => [d.requests, d.failures, d.firstSeen]),
      [[1, 0, 20_000]],
      'a request on the open connection counts again',
    );
  });
});

describe('a server sidecar shows who connected at /peers', () => {
  let mesh: MeshPair;
  before(async () => {
    mesh = await startMeshPair();
  });
  after(async () => {
    await mesh.close();
  });

  const viaClient = () =>
    httpRequest({
      host: mesh.client.podIP,
      port: mesh.clientProxy.outboundPort,
      path: `http://${SERVICE_HOST}:${SERVICE_PORT}/get`,
      headers: { connection: 'close' },
    });
  const peersOfServer = async () => {
    const r = await httpRequest({
      host: mesh.server.podIP,
      port: mesh.serverProxy.adminPort,
      path: '/peers',
    });
    assert.equal(r.status, 200);
    return JSON.parse(r.body) as {
      windowSeconds: number;
      ports: {
        port: number;
        mode: string;
        shadow?: { mode: string; source: string };
        peers: {
          arrival: string;
          peer: string;
          address: string;
          connections: number;
          requests: number;
          reason?: string;
          shadow?: { refusals: number; reason: string; policy: string };
        }[];
      }[];
    };
  };

  it('lists the mTLS identity, the plaintext address and a STRICT refusal', async () => {
    await mesh.setServerMode('PERMISSIVE');
    await mesh.setClientTls('mesh');
    assert.equal((await viaClient()).status, 200);
    await mesh.setClientTls('plaintext');
    assert.equal((await viaClient()).status, 200);
    await mesh.setServerMode('STRICT');
    assert.equal((await viaClient()).status, 503);

    const view = await peersOfServer();
    assert.equal(view.windowSeconds, 600);
    const port = view.ports.find((p) => p.port === mesh.server.appPort);
    assert.ok(port, `the app port in ${JSON.stringify(view)}`);
    assert.equal(port.mode, 'STRICT');
    const arrivals = port.peers.map((p) => `${p.arrival}${p.reason ? ` (${p.reason})` : ''}`).sort();
    assert.deepEqual(arrivals, ['mtls', 'plaintext', 'refused (plaintext_on_strict)']);
    assert.equal(port.peers.find((p) => p.arrival === 'mtls')!.peer, mesh.client.cert.spiffeId);
    // The client sidecar dials mesh endpoints from its pod IP, so plaintext peers name the pod's address.
    const plainPeers = port.peers.filter((p) => p.arrival !== 'mtls').map((p) => p.peer);
    assert.deepEqual(plainPeers, [mesh.client.podIP, mesh.client.podIP]);
    assert.ok(port.peers.every((p) => p.address === mesh.client.podIP));
  });

  it('counts requests on kept-alive connections, and shadow STRICT refusals without refusing', async () => {
    // The server PERMISSIVE, rehearsing STRICT; the client sends plaintext, then mTLS.
    const rehearsing = snapshotFor(mesh.server, 'PERMISSIVE');
    rehearsing.inbound[0]!.shadow = {
      mode: 'STRICT',
      source: 'PeerAuthentication full/strict',
      reason: 'STRICT (PeerAuthentication full/strict, namespace level)',
    };
    const applied = await mesh.serverProxy.applyAndWait(rehearsing);
    if (!applied.ok) throw new Error(applied.error);
    await mesh.setClientTls('plaintext');
    const keptAlive = () =>
      httpRequest({
        host: mesh.client.podIP,
        port: mesh.clientProxy.outboundPort,
        path: `http://${SERVICE_HOST}:${SERVICE_PORT}/get`,
      });
    for (let i = 0; i < 5; i++) assert.equal((await keptAlive()).status, 200, 'shadow refuses nothing');
    await mesh.setClientTls('mesh');
    assert.equal((await keptAlive()).status, 200);

    const port = (await peersOfServer()).ports.find((p) => p.port === mesh.server.appPort)!;
    assert.equal(port.mode, 'PERMISSIVE');
    assert.equal(port.shadow?.source, 'PeerAuthentication full/strict');
    const plain = port.peers.find((p) => p.arrival === 'plaintext')!;
    assert.ok(plain.requests >= 6, `5 requests more than before: ${JSON.stringify(plain)}`);
    assert.ok(plain.connections < plain.requests, 'the client sidecar kept its connection alive');
    assert.equal(plain.shadow?.reason, 'plaintext_on_strict');
    assert.equal(plain.shadow?.policy, 'PeerAuthentication full/strict');
    assert.ok(plain.shadow.refusals >= 1);
    const mtls = port.peers.find((p) => p.arrival === 'mtls')!;
    assert.equal(mtls.shadow, undefined, 'STRICT would have let mTLS in');

    const metrics = await httpRequest({
      host: mesh.server.podIP,
      port: mesh.serverProxy.adminPort,
      path: '/stats/prometheus',
    });
    assert.match(
      metrics.body,
      /^automesh_shadow_refusals_total\{reason="plaintext_on_strict",policy="PeerAuthentication full\/strict"\} [1-9]/m,
    );
  });

  it('the client sidecar shows what it sent to each endpoint and why at /destinations', async () => {
    await mesh.setServerMode('PERMISSIVE');
    await mesh.setClientTls({
      mode: 'DISABLE',
      reason: 'auto mTLS: endpoint has no sidecar',
      downgrade: true,
    });
    assert.equal((await viaClient()).status, 200);
    await mesh.setClientTls({ mode: 'REFUSE', reason: 'automesh.io/require-mtls is true (pod label)' });
    assert.equal((await viaClient()).status, 503);
    await mesh.setClientTls('mesh');
    assert.equal((await viaClient()).status, 200);
    const r = await httpRequest({
      host: mesh.client.podIP,
      port: mesh.clientProxy.adminPort,
      path: '/destinations',
    });
    const view = JSON.parse(r.body) as {
      windowSeconds: number;
      destinations: {
        service: string;
        address: string;
        sent: string;
        reason: string;
        requests: number;
        failures: number;
      }[];
    };
    assert.equal(view.windowSeconds, 600);
    const sent = (mode: string) => view.destinations.find((d) => d.sent === mode);
    assert.equal(sent('DISABLE')?.reason, 'auto mTLS: endpoint has no sidecar');
    assert.equal(sent('DISABLE')?.address, mesh.server.podIP);
    assert.deepEqual(
      [sent('REFUSE')?.reason, sent('REFUSE')?.requests, sent('REFUSE')?.failures],
      ['automesh.io/require-mtls is true (pod label)', 1, 1],
    );
    assert.equal(sent('ISTIO_MUTUAL')?.service, 'httpbin.full.svc.cluster.local');
    assert.ok(sent('ISTIO_MUTUAL')!.requests >= 1);
    assert.equal(sent('ISTIO_MUTUAL')?.failures, 0);
  });

  it('Prometheus text: the TLS decision on both ends with its reason, downgrades, require-mTLS refusals', async () => {
    const stats = async (pod: typeof mesh.client, adminPort: number) =>
      (await httpRequest({ host: pod.podIP, port: adminPort, path: '/stats/prometheus' })).body;
    const client = await stats(mesh.client, mesh.clientProxy.adminPort);
    const count = (text: string, series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };
    const noSidecar = 'auto mTLS: endpoint has no sidecar';
    const required = 'automesh.io/require-mtls is true (pod label)';
    assert.ok(
      count(
        client,
        `automesh_tls_decisions_total{direction="outbound",tls_mode="DISABLE",reason="${noSidecar}"}`,
      ) >= 1,
      client,
    );
    assert.ok(count(client, `automesh_downgrades_total{reason="${noSidecar}"}`) >= 1);
    assert.equal(count(client, `automesh_require_mtls_refusals_total{reason="${required}"}`), 1);
    assert.ok(
      count(
        client,
        `automesh_tls_decisions_total{direction="outbound",tls_mode="REFUSE",reason="${required}"}`,
      ) >= 1,
    );
    assert.ok(
      count(
        client,
        `automesh_tls_decisions_total{direction="outbound",tls_mode="ISTIO_MUTUAL",reason="test"}`,
      ) >= 1,
    );
    const server = await stats(mesh.server, mesh.serverProxy.adminPort);
    assert.ok(
      count(
        server,
        'automesh_tls_decisions_total{direction="inbound",tls_mode="mutual_tls",reason="PERMISSIVE (test)"}',
      ) >= 1,
      server,
    );
    assert.ok(
      count(
        server,
        'automesh_tls_decisions_total{direction="inbound",tls_mode="plaintext",reason="PERMISSIVE (test)"}',
      ) >= 1,
    );
    assert.ok(
      count(
        server,
        'automesh_tls_decisions_total{direction="inbound",tls_mode="refused",reason="plaintext_on_strict: STRICT (test)"}',
      ) >= 1,
    );
  });

  it('a new snapshot gives a kept-alive connection its new reason', async () => {
    await mesh.setServerMode('PERMISSIVE');
    const meshTlsWith = (reason: string) => ({
      ...meshTls(mesh.server, SERVICE_PORT, 'httpbin.full.svc.cluster.local'),
      reason,
    });
    const keptAlive = () =>
      httpRequest({
        host: mesh.client.podIP,
        port: mesh.clientProxy.outboundPort,
        path: `http://${SERVICE_HOST}:${SERVICE_PORT}/get`,
      });
    await mesh.setClientTls(meshTlsWith('first reason'));
    assert.equal((await keptAlive()).status, 200);
    await mesh.setClientTls(meshTlsWith('second reason'));
    assert.equal((await keptAlive()).status, 200);
    const r = await httpRequest({
      host: mesh.client.podIP,
      port: mesh.clientProxy.adminPort,
      path: '/destinations',
    });
    const mutual = (
      JSON.parse(r.body) as { destinations: { sent: string; reason: string }[] }
    ).destinations.find((d) => d.sent === 'ISTIO_MUTUAL');
    assert.equal(mutual?.reason, 'second reason');
  });
});
