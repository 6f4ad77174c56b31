// behaviour.md "Migration safety", require mTLS on the client: a client labelled (pod wins, then
// its namespace, then the mesh value) never gets plaintext where auto mTLS would have chosen it;
// it gets REFUSE with the reason. An explicit DestinationRule tls still wins, and a client without
// a sidecar has nobody to refuse for it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MeshSettings, Namespace, Resource, UpstreamTls } from '../../src/api/index.js';
import { buildAllSnapshots, clientTls } from '../../src/policy/index.js';
import type { MeshState, WorkloadInstance } from '../../src/policy/index.js';
import {
  HTTPBIN_PORT,
  deployment,
  destinationRule,
  pod,
  policy,
  seedState,
  serviceIn,
} from './mesh-builders.js';

const LABEL = 'automesh.io/require-mtls';

function labelledNamespace(name: string, value: string): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [LABEL]: value } } };
}

interface Ask {
  extra?: Resource[];
  settings?: Partial<MeshSettings>;
  /** The client's own label, when it has one. */
  podLabel?: string;
  from?: [string, string];
  to?: string;
  endpoint?: string;
}

function tlsFor(ask: Ask): UpstreamTls {
  const state = seedState(ask.extra ?? [], ask.settings ?? {});
  const [ns, deploy] = ask.from ?? ['full', 'sleep'];
  const base = pod(state, ns, deploy);
  const client: WorkloadInstance =
    ask.podLabel === undefined ? base : { ...base, labels: { ...base.labels, [LABEL]: ask.podLabel } };
  const to = ask.to ?? 'legacy';
  return clientTls(state, {
    client,
    service: serviceIn(state, to, 'httpbin'),
    servicePort: HTTPBIN_PORT,
    endpoint: pod(state, to, ask.endpoint ?? 'httpbin'),
  });
}

const cases: { name: string; ask: Ask; mode: UpstreamTls['mode']; reason?: RegExp }[] = [
  { name: 'no label anywhere: plaintext to an endpoint without a sidecar', ask: {}, mode: 'DISABLE' },
  {
    name: 'pod label: refused instead of plaintext to an endpoint without a sidecar',
    ask: { podLabel: 'true' },
    mode: 'REFUSE',
    reason: /automesh.io\/require-mtls is true \(pod label\), and auto mTLS: endpoint has no sidecar/,
  },
  {
    name: 'pod label: mTLS to a meshed endpoint is untouched',
    ask: { podLabel: 'true', to: 'full' },
    mode: 'ISTIO_MUTUAL',
  },
  {
    name: 'namespace label',
    ask: { extra: [labelledNamespace('full', 'true')] },
    mode: 'REFUSE',
    reason: /\(namespace label\)/,
  },
  {
    name: 'the pod label wins over its namespace',
    ask: { extra: [labelledNamespace('full', 'true')], podLabel: 'false' },
    mode: 'DISABLE',
  },
  { name: 'mesh value', ask: { settings: { requireMtls: true } }, mode: 'REFUSE', reason: /\(mesh value\)/ },
  {
    name: 'a namespace label false opts out of the mesh value',
    ask: { settings: { requireMtls: true }, extra: [labelledNamespace('full', 'false')] },
    mode: 'DISABLE',
  },
  {
    name: 'a value other than true or false counts as no label',
    ask: { podLabel: 'yes' },
    mode: 'DISABLE',
  },
  {
    name: 'auto mTLS off: what would be plaintext to a meshed endpoint is refused',
    ask: { settings: { autoMtls: false }, podLabel: 'true', to: 'full' },
    mode: 'REFUSE',
    reason: /auto mTLS off/,
  },
  {
    name: "an endpoint whose port is DISABLE: refused, with the server's reason",
    ask: {
      extra: [policy('full', 'httpbin', { targets: [{ name: 'httpbin' }] })],
      podLabel: 'true',
      to: 'full',
    },
    mode: 'REFUSE',
    reason: /endpoint's port 80 is .*: plaintext/,
  },
  {
    name: 'an explicit DestinationRule DISABLE still wins (a deliberate exemption)',
    ask: {
      extra: [
        destinationRule('full', 'legacy-plain', {
          host: 'httpbin.legacy.svc.cluster.local',
          trafficPolicy: { tls: { mode: 'DISABLE' } },
        }),
      ],
      podLabel: 'true',
    },
    mode: 'DISABLE',
    reason: /explicit: DestinationRule full\/legacy-plain/,
  },
  {
    name: 'a client without a sidecar has no sidecar to refuse for it',
    ask: { from: ['legacy', 'sleep'], podLabel: 'true' },
    mode: 'DISABLE',
  },
];

describe('require mTLS on the client', () => {
  for (const c of cases) {
    it(c.name, () => {
      const tls = tlsFor(c.ask);
      assert.equal(tls.mode, c.mode, tls.reason);
      if (c.reason !== undefined) assert.match(tls.reason, c.reason);
    });
  }

  it('keeps snapshots of labelled and unlabelled clients in one namespace apart', () => {
    // The snapshot builder shares outbound entries between clients; require-mTLS must key them.
    const labelled = deployment('full', 'strict-client', {
      labels: { app: 'strict-client', [LABEL]: 'true' },
      sidecar: true,
    });
    const state: MeshState = seedState([labelled]);
    const snapshots = buildAllSnapshots(state);
    const legacyTls = (podPrefix: string): string[] => {
      const [, snapshot] = [...snapshots].find(([key]) => key.startsWith(`full/${podPrefix}-`)) ?? [];
      assert.ok(snapshot, `a snapshot for ${podPrefix}`);
      const service = snapshot.outbound.find((s) => s.hostname === 'httpbin.legacy.svc.cluster.local');
      return service!.ports.flatMap((p) => p.endpoints.map((e) => e.tls.mode));
    };
    assert.deepEqual(legacyTls('strict-client'), ['REFUSE']);
    assert.deepEqual(legacyTls('sleep'), ['DISABLE']);
  });
});
