import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MESH_SETTINGS, type Deployment, type Resource } from '../../src/api/index.js';
import { breakingChanges, meshStateFromResources } from '../../src/policy/index.js';
import { afterInstall, installResources } from '../../src/cli/commands/install.js';
import { formatBrokenPairs } from '../../src/cli/output/broken-pairs.js';

function deployment(ns: string, app: string, sidecar: boolean): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app, ...(sidecar ? { 'security.istio.io/tlsMode': 'istio' } : {}) } },
        spec: { containers: [{ name: app, image: 'x', ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}

const service = (ns: string): Resource => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'httpbin', namespace: ns },
  spec: { selector: { app: 'httpbin' }, ports: [{ name: 'http', port: 8000, targetPort: 80 }] },
});

/** The seed after "Lock down mutual TLS to STRICT": httpbin.full STRICT, httpbin.partial with a sidecar. */
const SEED: Resource[] = [
  deployment('full', 'httpbin', true),
  deployment('full', 'sleep', true),
  deployment('partial', 'httpbin', true),
  deployment('legacy', 'sleep', false),
  service('full'),
  service('partial'),
  {
    apiVersion: 'authentication.istio.io/v1alpha1',
    kind: 'Policy',
    metadata: { name: 'httpbin', namespace: 'full' },
    spec: { targets: [{ name: 'httpbin' }], peers: [{ mtls: {} }] },
  },
];

function change(from: { auto: boolean; enabled: boolean }, to: { auto: boolean; enabled: boolean }) {
  const before = { ...DEFAULT_MESH_SETTINGS, autoMtls: from.auto, mtlsEnabled: from.enabled };
  const after = { ...DEFAULT_MESH_SETTINGS, autoMtls: to.auto, mtlsEnabled: to.enabled };
  const current = [...SEED, ...installResources(before, 'demo')];
  const next = afterInstall(current, installResources(after, 'demo'), 'istio-system');
  return breakingChanges(meshStateFromResources(current, before), meshStateFromResources(next, after));
}

describe('breaking-change check for install', () => {
  it('lists at most 20 pairs and counts the rest', () => {
    const pair = {
      client: 'a/c',
      service: 's.a:80',
      endpoint: 'a/e',
      reason: 'r',
      from: { namespace: 'a', pod: 'c', address: '10.0.0.1' },
      to: { namespace: 'a', pod: 'e', port: 80 },
    };
    const lines = formatBrokenPairs(Array.from({ length: 25 }, () => pair))
      .trimEnd()
      .split('\n');
    assert.equal(lines.length, 21);
    assert.equal(lines[20], '  ... and 5 more');
  });

  it('reports every sidecar client of httpbin.full when auto mTLS is turned off under STRICT', () => {
    const broken = change({ auto: true, enabled: false }, { auto: false, enabled: false });
    assert.deepEqual(broken.map((b) => [b.client.replace(/-.*/, ''), b.service, b.reason]).sort(), [
      ['full/sleep', 'httpbin.full:8000', 'plaintext to a STRICT port (80)'],
      ['partial/httpbin', 'httpbin.full:8000', 'plaintext to a STRICT port (80)'],
    ]);
    assert.match(
      formatBrokenPairs(broken),
      /^ {2}full\/sleep-\S+ → httpbin\.full:8000 \(endpoint full\/httpbin-\S+\): plaintext/,
    );
  });

  it('reports the plaintext pairs a mesh-wide require-mTLS would refuse', () => {
    const resources = [...SEED, deployment('legacy', 'httpbin', false), service('legacy')];
    const before = { ...DEFAULT_MESH_SETTINGS };
    const after = { ...DEFAULT_MESH_SETTINGS, requireMtls: true };
    const current = [...resources, ...installResources(before, 'demo')];
    const next = afterInstall(current, installResources(after, 'demo'), 'istio-system');
    const broken = breakingChanges(
      meshStateFromResources(current, before),
      meshStateFromResources(next, after),
    );
    // Every client with a sidecar, to the one service whose endpoint has none.
    assert.deepEqual(broken.map((b) => [b.client.replace(/-.*/, ''), b.service]).sort(), [
      ['full/httpbin', 'httpbin.legacy:8000'],
      ['full/sleep', 'httpbin.legacy:8000'],
      ['partial/httpbin', 'httpbin.legacy:8000'],
    ]);
    assert.match(
      broken[0]!.reason,
      /^refused by the client sidecar: automesh.io\/require-mtls is true \(mesh value\)/,
    );
  });

  it('reports nothing when the values keep traffic working', () => {
    assert.deepEqual(change({ auto: true, enabled: false }, { auto: true, enabled: false }), []);
  });

  it('reports clients without a sidecar when the mesh goes STRICT', () => {
    const broken = change({ auto: true, enabled: false }, { auto: true, enabled: true });
    assert.deepEqual(
      broken.map((b) => [b.client.replace(/-.*/, ''), b.service]),
      [['legacy/sleep', 'httpbin.partial:8000']],
    );
  });

  it('keeps sidecar clients on mTLS with auto off and mTLS enabled (the default rule); only clients without one break', () => {
    const broken = change({ auto: true, enabled: false }, { auto: false, enabled: true });
    assert.deepEqual(broken.map((b) => [b.client.replace(/-.*/, ''), b.service, b.reason]).sort(), [
      ['legacy/sleep', 'httpbin.partial:8000', 'plaintext to a STRICT port (80)'],
    ]);
  });
});
