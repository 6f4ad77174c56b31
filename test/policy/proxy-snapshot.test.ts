// The snapshot one sidecar gets: identity, inbound listeners, outbound services with per-endpoint
// TLS, in a deterministic order, versioned by a content hash.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxySnapshot, Resource } from '../../src/api/index.js';
import {
  buildAllSnapshots,
  buildProxySnapshot,
  clientTls,
  meshDefaults,
  meshStateFromResources,
} from '../../src/policy/index.js';
import type { MeshState } from '../../src/policy/index.js';
import {
  deployment,
  destinationRule,
  pod,
  policy,
  seedState,
  seedWorkloads,
  service,
} from './mesh-builders.js';

function snapshotOf(state: MeshState, ns: string, deploymentName: string): ProxySnapshot {
  const snapshot = buildProxySnapshot(state, pod(state, ns, deploymentName));
  assert.ok(snapshot);
  return snapshot;
}

describe('a proxy snapshot', () => {
  it('is undefined for an unknown pod', () => {
    assert.equal(buildProxySnapshot(seedState(), { namespace: 'full', name: 'nope' }), undefined);
  });

  it("carries the proxy's identity and the mesh settings", () => {
    const state = seedState();
    const sleep = pod(state, 'full', 'sleep');
    const snapshot = snapshotOf(state, 'full', 'sleep');
    assert.deepEqual(snapshot.proxy, {
      pod: sleep.name,
      namespace: 'full',
      serviceAccount: 'sleep',
      spiffeId: 'spiffe://cluster.local/ns/full/sa/sleep',
      podIP: sleep.address,
    });
    assert.deepEqual(snapshot.mesh, {
      autoMtls: true,
      mtlsEnabled: false,
      trustDomain: 'cluster.local',
      rootNamespace: 'istio-system',
    });
    assert.match(snapshot.version, /^[0-9a-f]{16}$/);
  });

  it('lists every container port inbound with its mode, reason and protocol', () => {
    const snapshot = snapshotOf(
      seedState([policy('full', 'httpbin', { targets: [{ name: 'httpbin' }], peers: [{ mtls: {} }] })]),
      'full',
      'httpbin',
    );
    assert.deepEqual(snapshot.inbound, [
      {
        port: 80,
        protocol: 'http',
        mode: 'STRICT',
        reason: 'STRICT (Policy full/httpbin targets service httpbin)',
      },
    ]);
  });

  it('lists every service outbound, sorted, with the aliases that reach it from this namespace', () => {
    const snapshot = snapshotOf(seedState(), 'full', 'sleep');
    assert.deepEqual(
      snapshot.outbound.map((s) => s.hostname),
      [
        'httpbin.full.svc.cluster.local',
        'sleep.full.svc.cluster.local',
        'httpbin.legacy.svc.cluster.local',
        'sleep.legacy.svc.cluster.local',
        'httpbin.partial.svc.cluster.local',
      ],
    );
    assert.deepEqual(snapshot.outbound[0]?.aliases, [
      'httpbin.full.svc.cluster.local',
      'httpbin.full.svc',
      'httpbin.full',
      'httpbin',
    ]);
    assert.deepEqual(snapshot.outbound[4]?.aliases, [
      'httpbin.partial.svc.cluster.local',
      'httpbin.partial.svc',
      'httpbin.partial',
    ]);
  });

  it('gives each endpoint its own TLS decision and its target port', () => {
    const state = seedState();
    const partial = snapshotOf(state, 'full', 'sleep').outbound.find((s) =>
      s.hostname.startsWith('httpbin.partial'),
    );
    const port = partial?.ports[0];
    assert.equal(port?.port, 8000);
    assert.equal(port?.name, 'http');
    assert.equal(port?.protocol, 'http');
    const withSidecar = pod(state, 'partial', 'httpbin');
    const without = pod(state, 'partial', 'httpbin-nosidecar');
    assert.deepEqual(
      port?.endpoints.map((e) => [e.pod, e.address, e.port, e.hasSidecar, e.tls.mode]),
      [
        [withSidecar.name, withSidecar.address, 80, true, 'ISTIO_MUTUAL'],
        [without.name, without.address, 80, false, 'DISABLE'],
      ],
    );
  });

  it('leaves out endpoints that are not ready or lack the named target port', () => {
    const resources: Resource[] = [
      deployment('a', 'web', { sidecar: true, ports: [{ containerPort: 80, name: 'http' }] }),
      deployment('a', 'other', { labels: { app: 'web', v: '2' }, ports: [{ containerPort: 81 }] }),
      service('a', 'web', { app: 'web' }, [{ name: 'http', port: 8080, targetPort: 'http' }]),
    ];
    const state = meshStateFromResources(resources);
    const web = state.workloads.find((w) => w.name.startsWith('web-'));
    assert.ok(web);
    let endpoints = buildProxySnapshot(state, web)?.outbound[0]?.ports[0]?.endpoints;
    assert.deepEqual(
      endpoints?.map((e) => e.pod),
      [web.name],
    );
    web.ready = false;
    endpoints = buildProxySnapshot(state, web)?.outbound[0]?.ports[0]?.endpoints;
    assert.deepEqual(endpoints, []);
  });

  it('takes the protocol from the port name or appProtocol', () => {
    const resources: Resource[] = [
      deployment('a', 'db', {
        sidecar: true,
        ports: [
          { containerPort: 5432 },
          { containerPort: 7000 },
          { containerPort: 7001 },
          { containerPort: 7002 },
        ],
      }),
      service('a', 'db', { app: 'db' }, [
        { name: 'tcp-postgres', port: 5432 },
        { port: 7000 },
        { name: 'web', appProtocol: 'http', port: 7001 },
        { name: 'grpc-api', port: 7002 },
      ]),
    ];
    const state = meshStateFromResources(resources);
    const snapshot = buildProxySnapshot(state, state.workloads[0]!);
    assert.deepEqual(
      snapshot?.inbound.map((l) => [l.port, l.protocol]),
      [
        [5432, 'tcp'],
        [7000, 'auto'],
        [7001, 'http'],
        [7002, 'tcp'],
      ],
    );
    assert.deepEqual(
      snapshot?.outbound[0]?.ports.map((p) => p.protocol),
      ['tcp', 'auto', 'http', 'tcp'],
    );
  });
});

describe('snapshot versions', () => {
  it('are equal for equal input, whatever the order of the resources', () => {
    const resources = [
      ...meshDefaults({ autoMtls: true, mtlsEnabled: false }, 'istio-system'),
      ...seedWorkloads(),
    ];
    const a = meshStateFromResources(resources);
    const b = meshStateFromResources([...resources].reverse());
    const sa = buildProxySnapshot(a, pod(a, 'full', 'sleep'));
    const sb = buildProxySnapshot(b, pod(b, 'full', 'sleep'));
    assert.deepEqual(sa, sb);
  });

  it('change when a policy changes what the proxy does', () => {
    const before = snapshotOf(seedState(), 'full', 'sleep');
    const after = snapshotOf(
      seedState([policy('full', 'httpbin', { targets: [{ name: 'httpbin' }] })]),
      'full',
      'sleep',
    );
    assert.notEqual(before.version, after.version);
  });

  it('change when a mesh value changes', () => {
    assert.notEqual(
      snapshotOf(seedState(), 'full', 'sleep').version,
      snapshotOf(seedState([], { autoMtls: false }), 'full', 'sleep').version,
    );
  });

  it('change when an endpoint goes away', () => {
    const state = seedState();
    const before = snapshotOf(state, 'full', 'sleep').version;
    pod(state, 'legacy', 'httpbin').ready = false;
    assert.notEqual(snapshotOf(state, 'full', 'sleep').version, before);
  });

  it('stay the same when a change is invisible to the proxy', () => {
    const hidden = destinationRule('partial', 'private', {
      host: 'httpbin',
      trafficPolicy: { tls: { mode: 'DISABLE' } },
      exportTo: ['.'],
    });
    assert.equal(
      snapshotOf(seedState(), 'full', 'sleep').version,
      snapshotOf(seedState([hidden]), 'full', 'sleep').version,
    );
  });
});

describe('all snapshots', () => {
  it("apply a namespace's DestinationRule to that namespace's proxies only", () => {
    const rule = destinationRule('partial', 'to-full', {
      host: 'httpbin.full.svc.cluster.local',
      trafficPolicy: { tls: { mode: 'DISABLE' } },
    });
    const state = seedState([rule]);
    const all = buildAllSnapshots(state);
    const tlsSeenBy = (ns: string, deploymentName: string) => {
      const w = pod(state, ns, deploymentName);
      const snapshot = all.get(`${ns}/${w.name}`);
      const toFull = snapshot?.outbound.find((s) => s.hostname === 'httpbin.full.svc.cluster.local');
      return toFull?.ports[0]?.endpoints[0]?.tls.reason;
    };
    assert.equal(tlsSeenBy('partial', 'httpbin'), 'explicit: DestinationRule partial/to-full sets DISABLE');
    assert.equal(
      tlsSeenBy('full', 'sleep'),
      'auto mTLS: endpoint has a sidecar and its port 80 is PERMISSIVE (MeshPolicy default)',
    );
  });

  it('cover exactly the pods with a sidecar, keyed ns/name, equal to one-by-one snapshots', () => {
    const state = seedState();
    const all = buildAllSnapshots(state);
    const expected = [
      pod(state, 'full', 'httpbin'),
      pod(state, 'full', 'sleep'),
      pod(state, 'partial', 'httpbin'),
    ].map((w) => `${w.namespace}/${w.name}`);
    assert.deepEqual([...all.keys()], expected.sort());
    for (const [key, snapshot] of all) {
      const [namespace, name] = key.split('/') as [string, string];
      assert.deepEqual(snapshot, buildProxySnapshot(state, { namespace, name }));
    }
  });
});

describe('snapshots built with shared outbound entries', () => {
  it('agree with clientTls for every client, with merged, restricted and root-namespace rules', () => {
    const rootClient: Resource[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } },
      deployment('istio-system', 'sleep', { sidecar: true }),
    ];
    const rules = [
      destinationRule(
        'full',
        'subsets',
        { host: 'httpbin', subsets: [{ name: 'v1' }] },
        '2026-01-01T00:00:00Z',
      ),
      destinationRule('full', 'tls', { host: 'httpbin', trafficPolicy: { tls: { mode: 'DISABLE' } } }),
      destinationRule('partial', 'elsewhere', {
        host: 'httpbin',
        trafficPolicy: { tls: { mode: 'DISABLE' } },
        exportTo: ['full'],
      }),
      destinationRule('istio-system', 'default', {
        host: '*.local',
        trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
      }),
      destinationRule('istio-system', 'own', {
        host: 'httpbin.legacy.svc.cluster.local',
        trafficPolicy: { tls: { mode: 'DISABLE' } },
        exportTo: ['.'],
      }),
    ];
    const state = seedState([...rootClient, ...rules]);
    const all = buildAllSnapshots(state);
    let checked = 0;
    for (const client of state.workloads.filter((w) => w.hasSidecar)) {
      const snapshot = all.get(`${client.namespace}/${client.name}`);
      for (const entry of snapshot?.outbound ?? []) {
        const svc = state.services.find(
          (s) => s.metadata.name === entry.name && s.metadata.namespace === entry.namespace,
        );
        assert.ok(svc);
        for (const port of entry.ports) {
          const servicePort = svc.spec.ports.find((p) => p.port === port.port);
          assert.ok(servicePort);
          for (const endpoint of port.endpoints) {
            const workload = state.workloads.find(
              (w) => w.namespace === endpoint.namespace && w.name === endpoint.pod,
            );
            assert.ok(workload);
            const expected = clientTls(state, { client, service: svc, servicePort, endpoint: workload });
            assert.deepEqual(
              endpoint.tls,
              expected,
              `${client.namespace}/${client.name} → ${entry.hostname}`,
            );
            checked += 1;
          }
        }
      }
    }
    assert.ok(checked >= 20, `only ${checked} endpoints checked`);
  });
});
