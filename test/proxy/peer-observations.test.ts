// Observed traffic (behaviour.md "Migration safety"): the server sidecar records, per inbound
// port, each peer and how it arrived, with counts and first/last seen, bounded and windowed; its
// admin port shows them at /peers. Unit rules with a fake clock, then two real sidecars.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PEERS_PER_PORT, PeerObservations } from '../../src/proxy/inbound/peer-observations.js';
import { PLAINTEXT, TLS_PASSTHROUGH } from '../../src/proxy/inbound/admission.js';
import { httpRequest } from './harness.js';
import { SERVICE_HOST, SERVICE_PORT, startMeshPair } from './mesh-pair.js';
import type { MeshPair } from './mesh-pair.js';

describe('peer observations', () => {
  it('counts connections per peer and arrival, with first and last seen', () => {
    let now = 1_000;
    const peers = new PeerObservations(60_000, () => now);
    peers.admitted(80, { kind: 'mtls', peer: 'spiffe://cluster.local/ns/full/sa/sleep' }, '127.0.0.2');
    now = 2_000;
    peers.admitted(80, { kind: 'mtls', peer: 'spiffe://cluster.local/ns/full/sa/sleep' }, '127.0.0.9');
    peers.admitted(80, PLAINTEXT, '127.0.0.3');
    peers.admitted(80, TLS_PASSTHROUGH, '127.0.0.3');
    now = 3_000;
    peers.refused(8080, '127.0.0.4', 'plaintext_on_strict');
    peers.refused(8080, '127.0.0.4', 'no_bytes_on_strict');
    assert.deepEqual(peers.view(), [
      {
        port: 80,
        observedSince: 1_000,
        peers: [
          // Seen last at the same moment: ordered by arrival, then peer.
          {
            arrival: 'mtls',
            peer: 'spiffe://cluster.local/ns/full/sa/sleep',
            connections: 2,
            firstSeen: 1_000,
            lastSeen: 2_000,
          },
          { arrival: 'plaintext', peer: '127.0.0.3', connections: 1, firstSeen: 2_000, lastSeen: 2_000 },
          {
            arrival: 'tls-passthrough',
            peer: '127.0.0.3',
            connections: 1,
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
            connections: 2,
            reason: 'no_bytes_on_strict',
            firstSeen: 3_000,
            lastSeen: 3_000,
          },
        ],
      },
    ]);
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
        peers: { arrival: string; peer: string; connections: number; reason?: string }[];
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
  });
});
