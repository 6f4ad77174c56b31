// Turning resources into the engine's MeshState, install defaults, and --set mesh values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../src/api/index.js';
import {
  meshDefaults,
  meshStateFromResources,
  parseMeshValues,
  SnapshotBuilder,
  workloadFromPod,
} from '../../src/policy/index.js';
import { deployment, service } from './mesh-builders.js';

describe('mesh state from resources', () => {
  it('turns a Deployment into `replicas` ready pods with the template labels', () => {
    const state = meshStateFromResources([
      deployment('shop', 'cart', { replicas: 3, sidecar: true, serviceAccount: 'cart' }),
    ]);
    assert.equal(state.workloads.length, 3);
    const names = state.workloads.map((w) => w.name);
    assert.ok(
      names.every((n, i) => new RegExp(`^cart-[0-9a-f]{10}-${i}$`).test(n)),
      names.join(),
    );
    for (const w of state.workloads) {
      assert.deepEqual(w.labels, { app: 'cart', 'security.istio.io/tlsMode': 'istio' });
      assert.equal(w.hasSidecar, true);
      assert.equal(w.ready, true);
      assert.equal(w.serviceAccount, 'cart');
      assert.deepEqual(w.ports, [{ containerPort: 80 }]);
    }
    assert.equal(new Set(state.workloads.map((w) => w.address)).size, 3);
  });

  it('sees a sidecar from the injection annotation, and none without label or annotation', () => {
    const injected = deployment('a', 'x');
    injected.spec.template.metadata = {
      labels: { app: 'x' },
      annotations: { 'sidecar.istio.io/status': '{}' },
    };
    const state = meshStateFromResources([injected, deployment('a', 'y')]);
    assert.deepEqual(
      state.workloads.map((w) => [w.labels.app, w.hasSidecar, w.serviceAccount]),
      [
        ['x', true, 'default'],
        ['y', false, 'default'],
      ],
    );
  });

  it('lets a tlsMode label other than istio win over injection, as Istio does', () => {
    const labelled = deployment('a', 'x', { labels: { app: 'x', 'security.istio.io/tlsMode': 'disabled' } });
    labelled.spec.template.metadata = {
      ...labelled.spec.template.metadata,
      annotations: { 'sidecar.istio.io/status': '{}' },
    };
    const withProxy = deployment('a', 'y');
    withProxy.spec.template.spec.containers.push({ name: 'istio-proxy', image: 'automesh' });
    const state = meshStateFromResources([labelled, withProxy]);
    assert.deepEqual(
      state.workloads.map((w) => [w.labels.app, w.hasSidecar]),
      [
        ['x', false],
        ['y', true],
      ],
    );
  });

  it('gives a pod that has the sidecar container but tlsMode disabled its sidecar and snapshot, and plaintext from clients', () => {
    const optedOut = deployment('a', 'x', { labels: { app: 'x', 'security.istio.io/tlsMode': 'disabled' } });
    optedOut.spec.template.spec.containers.push({ name: 'istio-proxy', image: 'automesh' });
    const client = deployment('a', 'c', { sidecar: true });
    const state = meshStateFromResources([
      optedOut,
      client,
      service('a', 'x', { app: 'x' }, [{ name: 'http', port: 80 }]),
    ]);
    const x = state.workloads.find((w) => w.labels.app === 'x');
    assert.deepEqual([x?.runsSidecar, x?.hasSidecar], [true, false]);
    // The runtime starts a sidecar for it (api's runsSidecar), so it must get a snapshot...
    const snapshots = new SnapshotBuilder(state).all();
    assert.ok(x !== undefined && snapshots.has(`a/${x.name}`), [...snapshots.keys()].join(', '));
    // ...while its clients send it plaintext, as Istio does for tlsMode: disabled.
    const c = state.workloads.find((w) => w.labels.app === 'c');
    const port = snapshots.get(`a/${c?.name}`)?.outbound.find((s) => s.name === 'x')?.ports[0];
    assert.deepEqual(
      port?.endpoints.map((e) => [e.hasSidecar, e.tls.mode, e.tls.reason]),
      [[false, 'DISABLE', 'auto mTLS: endpoint has no sidecar']],
    );
  });

  it('assigns the same addresses for the same input', () => {
    const resources = [deployment('a', 'x', { replicas: 2 }), deployment('b', 'y')];
    const one = meshStateFromResources(resources).workloads.map((w) => w.address);
    const two = meshStateFromResources([...resources].reverse())
      .workloads.map((w) => w.address)
      .reverse();
    assert.deepEqual(one.sort(), two.sort());
  });

  it('applies settings over the defaults', () => {
    const state = meshStateFromResources([], { autoMtls: false });
    assert.deepEqual(state.settings, {
      autoMtls: false,
      mtlsEnabled: false,
      requireMtls: false,
      safeChanges: 'warn',
      observationWindowSeconds: 600,
      trustDomain: 'cluster.local',
      rootNamespace: 'istio-system',
    });
  });
});

describe('workloadFromPod', () => {
  const base: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'n',
      uid: 'u1',
      labels: { app: 'p', 'security.istio.io/tlsMode': 'istio' },
    },
    spec: {
      serviceAccountName: 'sa',
      containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 8080, name: 'http' }] }],
    },
  };

  it('reads readiness from the Ready condition and the address from podIP', () => {
    const w = workloadFromPod({
      ...base,
      status: { podIP: '127.0.0.9', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    assert.deepEqual(w, {
      name: 'p',
      namespace: 'n',
      uid: 'u1',
      labels: { app: 'p', 'security.istio.io/tlsMode': 'istio' },
      serviceAccount: 'sa',
      address: '127.0.0.9',
      hasSidecar: true,
      runsSidecar: true,
      ready: true,
      ports: [{ containerPort: 8080, name: 'http' }],
    });
  });

  it('is not ready without a True Ready condition', () => {
    assert.equal(
      workloadFromPod({ ...base, status: { conditions: [{ type: 'Ready', status: 'False' }] } }).ready,
      false,
    );
    assert.equal(workloadFromPod(base).ready, false);
    assert.equal(workloadFromPod(base).address, '');
  });

  it('takes a Pod written without status as running in a described mesh', () => {
    const [w] = meshStateFromResources([base]).workloads;
    assert.equal(w?.ready, true);
    assert.match(w?.address ?? '', /^10\.244\.\d+\.\d+$/);
  });
});

describe('mesh defaults', () => {
  it('installs a PERMISSIVE MeshPolicy when mTLS is not enabled', () => {
    assert.deepEqual(meshDefaults({ autoMtls: true, mtlsEnabled: false }, 'istio-system'), [
      {
        apiVersion: 'authentication.istio.io/v1alpha1',
        kind: 'MeshPolicy',
        metadata: { name: 'default' },
        spec: { peers: [{ mtls: { mode: 'PERMISSIVE' } }] },
      },
    ]);
    assert.equal(meshDefaults({ autoMtls: false, mtlsEnabled: false }, 'istio-system').length, 1);
  });

  it('installs a STRICT MeshPolicy, and no DestinationRule while auto is on', () => {
    const resources = meshDefaults({ autoMtls: true, mtlsEnabled: true }, 'istio-system');
    assert.deepEqual(
      resources.map((r) => [r.kind, r.spec]),
      [['MeshPolicy', { peers: [{ mtls: {} }] }]],
    );
  });

  it('adds DestinationRule default for *.local ISTIO_MUTUAL in the root namespace when enabled with auto off', () => {
    const [, rule] = meshDefaults({ autoMtls: false, mtlsEnabled: true }, 'mesh-root');
    assert.deepEqual(rule, {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'DestinationRule',
      metadata: { name: 'default', namespace: 'mesh-root' },
      spec: { host: '*.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
    });
  });
});

describe('--set mesh values', () => {
  it('reads the auto and enabled switches and accepts profile=demo', () => {
    const parsed = parseMeshValues([
      'profile=demo',
      'values.global.mtls.auto=false',
      'values.global.mtls.enabled=true',
    ]);
    assert.deepEqual(parsed.errors, []);
    assert.equal(parsed.settings.autoMtls, false);
    assert.equal(parsed.settings.mtlsEnabled, true);
  });

  it('names an unknown key, a bad value and a missing =', () => {
    const { errors } = parseMeshValues([
      'values.global.mtls.autoo=true',
      'values.global.mtls.auto=yes',
      'oops',
    ]);
    assert.equal(errors.length, 3);
    assert.match(errors[0]!, /^--set values\.global\.mtls\.autoo: unknown key/);
    assert.equal(errors[1], '--set values.global.mtls.auto: expected true or false, got "yes"');
    assert.equal(errors[2], '--set oops: expected key=value');
  });
});
