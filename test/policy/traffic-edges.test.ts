// `x edges` (issue 12): one edge per source workload, destination workload and port, and way of
// travelling, with the client's reason when its sidecar recorded one. Pure, so rows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { trafficEdges } from '../../src/policy/index.js';
import type { EdgeEnd, ServerPeer } from '../../src/policy/index.js';

const SERVER = {
  namespace: 'full',
  workload: 'httpbin',
  address: '127.20.0.2',
  port: 80,
  identity: 'spiffe://cluster.local/ns/full/sa/httpbin',
};
const PODS: Record<string, EdgeEnd> = {
  '127.20.0.3': { namespace: 'full', workload: 'sleep', hasSidecar: true },
  '127.20.0.4': { namespace: 'full', workload: 'sleep', hasSidecar: true },
  '127.20.0.7': { namespace: 'legacy', workload: 'sleep', hasSidecar: false },
};
const podOf = (address: string): EdgeEnd | undefined => PODS[address];
const peer = (over: Partial<ServerPeer>): ServerPeer => ({
  server: SERVER,
  arrival: 'plaintext',
  peer: '127.20.0.7',
  address: '127.20.0.7',
  requests: 1,
  lastSeen: 1000,
  ...over,
});
const SLEEP_ID = 'spiffe://cluster.local/ns/full/sa/sleep';
const MUTUAL_WHY = 'auto mTLS: endpoint has a sidecar and its port is PERMISSIVE';

describe('traffic edges', () => {
  it('sums replicas of one workload, with both identities for mTLS and the client reason', () => {
    const edges = trafficEdges(
      [
        peer({ arrival: 'mtls', peer: SLEEP_ID, address: '127.20.0.3', requests: 4, lastSeen: 1000 }),
        peer({ arrival: 'mtls', peer: SLEEP_ID, address: '127.20.0.4', requests: 6, lastSeen: 3000 }),
      ],
      ['127.20.0.3', '127.20.0.4'].map((from) => ({
        from,
        address: SERVER.address,
        port: 80,
        sent: 'ISTIO_MUTUAL',
        reason: MUTUAL_WHY,
        requests: 5,
        lastSeen: 3000,
      })),
      podOf,
    );
    assert.deepEqual(edges, [
      {
        source: 'sleep.full',
        sourceNamespace: 'full',
        destination: 'httpbin.full',
        destinationNamespace: 'full',
        port: 80,
        transport: 'mTLS',
        sourceIdentity: SLEEP_ID,
        destinationIdentity: SERVER.identity,
        requests: 10,
        lastSeen: 3000,
        why: MUTUAL_WHY,
      },
    ]);
  });

  const cases: { name: string; peer: Partial<ServerPeer>; sent?: string; transport: string; why: string }[] =
    [
      {
        name: 'plaintext from a pod without a sidecar',
        peer: {},
        transport: 'plaintext',
        why: 'client has no sidecar',
      },
      {
        name: 'plaintext a meshed client chose, with its sidecar reason',
        peer: { address: '127.20.0.3', peer: '127.20.0.3' },
        sent: 'DISABLE',
        transport: 'plaintext',
        why: 'auto mTLS: endpoint port is DISABLE',
      },
      {
        name: 'an address no pod owns',
        peer: { address: '10.9.8.7', peer: '10.9.8.7' },
        transport: 'plaintext',
        why: 'source is not a mesh pod',
      },
      {
        name: 'refused by a STRICT server',
        peer: { arrival: 'refused', reason: 'plaintext_on_strict' },
        transport: 'refused',
        why: 'refused by the server: plaintext_on_strict',
      },
      {
        name: 'plaintext a shadow STRICT would refuse',
        peer: { shadow: { reason: 'plaintext_on_strict', policy: 'PeerAuthentication full/strict' } },
        transport: 'plaintext',
        why: 'client has no sidecar; shadow policy PeerAuthentication full/strict would refuse it (plaintext_on_strict)',
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      const p = peer(c.peer);
      const sent =
        c.sent === undefined
          ? []
          : [
              {
                from: p.address,
                address: SERVER.address,
                port: 80,
                sent: c.sent,
                reason: c.why,
                requests: 1,
                lastSeen: 1000,
              },
            ];
      const [edge, ...rest] = trafficEdges([p], sent, podOf);
      assert.equal(rest.length, 0);
      assert.equal(edge!.transport, c.transport);
      assert.equal(edge!.why, c.why);
      assert.equal(edge!.sourceIdentity, '-');
    });
  }

  it('a server without a sidecar is told of by its clients: plaintext, or refused under require-mTLS', () => {
    const legacyHttpbin = '127.20.0.9';
    const pods: Record<string, EdgeEnd> = {
      ...PODS,
      [legacyHttpbin]: { namespace: 'legacy', workload: 'httpbin', hasSidecar: false },
    };
    const sent = (mode: string, reason: string, requests: number) => ({
      from: '127.20.0.3',
      address: legacyHttpbin,
      port: 80,
      sent: mode,
      reason,
      requests,
      lastSeen: 2000,
    });
    const edges = trafficEdges(
      [],
      [
        sent('DISABLE', 'auto mTLS: endpoint has no sidecar', 3),
        sent(
          'REFUSE',
          'automesh.io/require-mtls is true (namespace label), and auto mTLS: endpoint has no sidecar',
          2,
        ),
      ],
      (address) => pods[address],
    );
    assert.deepEqual(
      edges.map((e) => [e.source, e.destination, e.port, e.transport, e.requests, e.why]),
      [
        ['sleep.full', 'httpbin.legacy', 80, 'plaintext', 3, 'auto mTLS: endpoint has no sidecar'],
        [
          'sleep.full',
          'httpbin.legacy',
          80,
          'refused',
          2,
          'refused by the client sidecar: automesh.io/require-mtls is true (namespace label), and auto mTLS: endpoint has no sidecar',
        ],
      ],
    );
  });
});
