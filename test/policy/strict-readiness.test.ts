// behaviour.md "Migration safety", readiness for STRICT: the verdict per server port from what its
// sidecar saw in the window. Pure, so every rule is a row.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { strictReadiness } from '../../src/policy/index.js';
import type { ObservedPeerRecord, ObservedPort } from '../../src/policy/index.js';

const WINDOW = 10 * 60_000;
const NOW = Date.parse('2026-12-02T12:00:00Z');
const LEGACY_SLEEP = '127.20.0.7';
const names = (address: string): string | undefined =>
  address === LEGACY_SLEEP ? 'legacy/sleep-5c9d84cbb4-xt55g' : undefined;

function port(mode: ObservedPort['mode'], peers: ObservedPeerRecord[], watchedMs = WINDOW + 1): ObservedPort {
  return { port: 80, mode, observedSince: NOW - watchedMs, peers };
}
const mtls = (secondsAgo = 5): ObservedPeerRecord => ({
  arrival: 'mtls',
  peer: 'spiffe://cluster.local/ns/full/sa/sleep',
  address: '127.20.0.3',
  connections: 3,
  requests: 30,
  lastSeen: NOW - secondsAgo * 1000,
});
const plain = (address = LEGACY_SLEEP, secondsAgo = 20): ObservedPeerRecord => ({
  arrival: 'plaintext',
  peer: address,
  connections: 2,
  requests: 12,
  lastSeen: NOW - secondsAgo * 1000,
});

describe('readiness for STRICT', () => {
  const cases: { name: string; port: ObservedPort; verdict: string; summary: RegExp }[] = [
    {
      name: 'only mTLS peers for a whole window: SAFE since the watch began',
      port: port('PERMISSIVE', [mtls()]),
      verdict: 'SAFE',
      summary: /^SAFE since 2026-12-02T11:49:59\.999Z \(1 mTLS peer\)$/,
    },
    {
      name: 'a plaintext client, named by its pod',
      port: port('PERMISSIVE', [mtls(), plain()]),
      verdict: 'NOT SAFE',
      summary: /^NOT SAFE: 1 plaintext client \(legacy\/sleep-5c9d84cbb4-xt55g, 12 requests, last 20s ago\)$/,
    },
    {
      name: 'an address no pod owns stays an address',
      port: port('PERMISSIVE', [plain('10.9.8.7')]),
      verdict: 'NOT SAFE',
      summary: /\(10\.9\.8\.7, 12 requests/,
    },
    {
      name: 'TLS without the mesh ALPN is not safe either',
      port: port('PERMISSIVE', [
        { arrival: 'tls-passthrough', peer: '127.20.0.9', connections: 1, requests: 1, lastSeen: NOW },
      ]),
      verdict: 'NOT SAFE',
      summary: /1 client with TLS but not the mesh ALPN/,
    },
    {
      name: 'watched for less than a window: UNKNOWN, saying for how long',
      port: port('PERMISSIVE', [mtls()], 3 * 60_000),
      verdict: 'UNKNOWN',
      summary: /^UNKNOWN: watched for 3m of a 10m window \(1 mTLS peer so far\)$/,
    },
    {
      name: 'a plaintext peer decides at once, however short the watch',
      port: port('PERMISSIVE', [plain()], 60_000),
      verdict: 'NOT SAFE',
      summary: /^NOT SAFE/,
    },
    {
      name: 'a peer last seen before the window does not count',
      port: port('PERMISSIVE', [mtls(), plain(LEGACY_SLEEP, 11 * 60)]),
      verdict: 'SAFE',
      summary: /^SAFE since/,
    },
    {
      name: 'already STRICT: SAFE, listing what it refused',
      port: port('STRICT', [
        {
          arrival: 'refused',
          peer: LEGACY_SLEEP,
          connections: 2,
          requests: 2,
          reason: 'plaintext_on_strict',
          lastSeen: NOW - 1000,
        },
      ]),
      verdict: 'SAFE',
      summary:
        /^SAFE: already STRICT; refused 1 client \(legacy\/sleep-5c9d84cbb4-xt55g, 2 requests, last 1s ago\)$/,
    },
    {
      name: 'a plaintext client a shadow STRICT would have refused: listed with the shadow policy',
      port: port('PERMISSIVE', [
        mtls(),
        {
          ...plain(),
          shadow: { refusals: 2, reason: 'plaintext_on_strict', policy: 'PeerAuthentication full/strict' },
        },
      ]),
      verdict: 'NOT SAFE',
      summary:
        /^NOT SAFE: 1 plaintext client \(legacy\/sleep-5c9d84cbb4-xt55g, 12 requests, last 20s ago, would have been refused by shadow policy PeerAuthentication full\/strict \(plaintext_on_strict, 2 connections\)\)$/,
    },
    {
      name: 'an mTLS client a shadow DISABLE would have refused is not safe either, named by its address',
      port: port('PERMISSIVE', [
        {
          ...mtls(),
          address: LEGACY_SLEEP,
          shadow: { refusals: 3, reason: 'mtls_on_disable', policy: 'Policy full/default' },
        },
      ]),
      verdict: 'NOT SAFE',
      summary:
        /^NOT SAFE: 1 mTLS client \(legacy\/sleep-5c9d84cbb4-xt55g, 30 requests, last 5s ago, would have been refused by shadow policy Policy full\/default \(mtls_on_disable, 3 connections\)\)$/,
    },
    {
      name: 'nobody connected for a whole window: SAFE with no peers',
      port: port('PERMISSIVE', []),
      verdict: 'SAFE',
      summary: /\(0 mTLS peers\)$/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = strictReadiness(c.port, NOW, WINDOW, names);
      assert.equal(r.verdict, c.verdict, r.summary);
      assert.match(r.summary, c.summary);
    });
  }
});
