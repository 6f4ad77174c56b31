// behaviour.md "What the client sidecar sends, per endpoint": DestinationRule choice and tls
// resolution, auto mTLS per endpoint, SNI and expected SANs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DestinationRule, MeshSettings, Resource, UpstreamTls } from '../../src/api/index.js';
import { clientTls } from '../../src/policy/index.js';
import {
  HTTPBIN_PORT,
  destinationRule as dr,
  peerAuthentication,
  pod,
  policy,
  seedState,
  serviceIn,
} from './mesh-builders.js';

const MTLS = { mode: 'ISTIO_MUTUAL' } as const;
const PLAIN = { mode: 'DISABLE' } as const;

interface Ask {
  extra?: Resource[];
  settings?: Partial<MeshSettings>;
  from?: [string, string];
  to?: string;
  subset?: string;
  /** Which endpoint of the service (partial has two: httpbin, httpbin-nosidecar). */
  endpoint?: string;
}

function tlsFor(ask: Ask): UpstreamTls {
  const state = seedState(ask.extra ?? [], ask.settings ?? {});
  const [clientNs, clientDeploy] = ask.from ?? ['full', 'sleep'];
  const ns = ask.to ?? 'full';
  return clientTls(state, {
    client: pod(state, clientNs, clientDeploy),
    service: serviceIn(state, ns, 'httpbin'),
    servicePort: HTTPBIN_PORT,
    ...(ask.subset === undefined ? {} : { subset: ask.subset }),
    endpoint: pod(state, ns, ask.endpoint ?? 'httpbin'),
  });
}

function rule(
  ns: string,
  name: string,
  host: string,
  tls?: object,
  extra: Partial<DestinationRule['spec']> = {},
  created?: string,
) {
  return dr(
    ns,
    name,
    { host, ...(tls === undefined ? {} : { trafficPolicy: { tls: tls as never } }), ...extra },
    created,
  );
}

interface Case {
  name: string;
  ask: Ask;
  mode: UpstreamTls['mode'];
  reason: string;
}

function table(cases: Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const tls = tlsFor(c.ask);
      assert.equal(tls.mode, c.mode);
      assert.equal(tls.reason, c.reason);
    });
  }
}

describe('choosing the DestinationRule', () => {
  table([
    {
      name: "prefers the client's namespace over the service's",
      ask: {
        from: ['full', 'sleep'],
        to: 'partial',
        extra: [
          rule('full', 'mine', 'httpbin.partial.svc.cluster.local', PLAIN),
          rule('partial', 'theirs', 'httpbin', MTLS),
        ],
      },
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/mine sets DISABLE',
    },
    {
      name: "uses the service's namespace when the client's has none",
      ask: { to: 'partial', extra: [rule('partial', 'theirs', 'httpbin', PLAIN)] },
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule partial/theirs sets DISABLE',
    },
    {
      name: 'falls back to the root namespace',
      ask: { extra: [rule('istio-system', 'default', '*.local', PLAIN)] },
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule istio-system/default sets DISABLE',
    },
    {
      name: 'prefers an exact host over a wildcard in the same namespace',
      ask: {
        extra: [
          rule('full', 'wide', '*.local', PLAIN),
          rule('full', 'exact', 'httpbin.full.svc.cluster.local', MTLS),
          rule('full', 'any', '*', PLAIN),
        ],
      },
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/exact sets ISTIO_MUTUAL',
    },
    {
      name: 'prefers the longer wildcard',
      ask: {
        extra: [
          rule('full', 'wide', '*.local', PLAIN),
          rule('full', 'narrow', '*.full.svc.cluster.local', MTLS),
        ],
      },
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/narrow sets ISTIO_MUTUAL',
    },
    {
      name: "resolves a short host in the rule's own namespace",
      ask: { to: 'partial', endpoint: 'httpbin', extra: [rule('full', 'short', 'httpbin', PLAIN)] },
      mode: 'ISTIO_MUTUAL',
      reason: 'auto mTLS: endpoint has a sidecar and its port 80 is PERMISSIVE (MeshPolicy default)',
    },
    {
      name: 'resolves a name.namespace host',
      ask: { to: 'partial', extra: [rule('full', 'two-part', 'httpbin.partial', PLAIN)] },
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/two-part sets DISABLE',
    },
    {
      name: 'takes the oldest of two rules for the same host',
      ask: {
        extra: [
          rule('full', 'a-new', 'httpbin', PLAIN, {}, '2021-02-01T00:00:00Z'),
          rule('full', 'z-old', 'httpbin', MTLS, {}, '2021-01-01T00:00:00Z'),
        ],
      },
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/z-old sets ISTIO_MUTUAL (merged with full/a-new)',
    },
    {
      name: "does not see a rule exported only to the service's namespace",
      ask: { to: 'partial', extra: [rule('partial', 'private', 'httpbin', PLAIN, { exportTo: ['.'] })] },
      mode: 'ISTIO_MUTUAL',
      reason: 'auto mTLS: endpoint has a sidecar and its port 80 is PERMISSIVE (MeshPolicy default)',
    },
    {
      name: "sees a rule exported to the client's namespace",
      ask: { to: 'partial', extra: [rule('partial', 'shared', 'httpbin', PLAIN, { exportTo: ['full'] })] },
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule partial/shared sets DISABLE',
    },
    {
      name: 'lets a namespace rule without tls shadow the root rule (auto applies)',
      ask: {
        extra: [
          rule('istio-system', 'default', '*.local', PLAIN),
          rule('full', 'pool', 'httpbin', undefined, { trafficPolicy: { connectionPool: {} } }),
        ],
      },
      mode: 'ISTIO_MUTUAL',
      reason: 'auto mTLS: endpoint has a sidecar and its port 80 is PERMISSIVE (MeshPolicy default)',
    },
  ]);
});

describe('resolving the tls of the chosen rule', () => {
  const withPorts = (portTls: object | undefined, port = 8000) =>
    rule('full', 'r', 'httpbin', MTLS, {
      trafficPolicy: {
        tls: MTLS,
        portLevelSettings: [
          { port: { number: port }, ...(portTls === undefined ? {} : { tls: portTls as never }) },
        ],
      },
    });
  const withSubset = (subsetPolicy: object | undefined) =>
    rule('full', 'r', 'httpbin', undefined, {
      trafficPolicy: { tls: PLAIN },
      subsets: [
        {
          name: 'v1',
          labels: { version: 'v1' },
          ...(subsetPolicy === undefined ? {} : { trafficPolicy: subsetPolicy }),
        },
      ],
    });
  table([
    {
      name: 'replaces the top level with the service port entry',
      ask: { extra: [withPorts(PLAIN)] },
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/r sets DISABLE (port 8000)',
    },
    {
      name: 'replaces wholesale: a port entry without tls leaves no tls (auto)',
      ask: { extra: [withPorts(undefined)] },
      mode: 'ISTIO_MUTUAL',
      reason: 'auto mTLS: endpoint has a sidecar and its port 80 is PERMISSIVE (MeshPolicy default)',
    },
    {
      name: 'matches port entries by service port, not target port',
      ask: { extra: [withPorts(PLAIN, 80)] },
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/r sets ISTIO_MUTUAL',
    },
    {
      name: "uses a subset's own tls",
      ask: { subset: 'v1', extra: [withSubset({ tls: MTLS })] },
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/r sets ISTIO_MUTUAL (subset v1)',
    },
    {
      name: 'lets a subset without tls inherit the top level',
      ask: { subset: 'v1', extra: [withSubset({ connectionPool: {} })] },
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/r sets DISABLE',
    },
    {
      name: "uses a subset's port entry",
      ask: {
        subset: 'v1',
        extra: [withSubset({ tls: PLAIN, portLevelSettings: [{ port: { number: 8000 }, tls: MTLS }] })],
      },
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/r sets ISTIO_MUTUAL (subset v1 port 8000)',
    },
    {
      name: 'ignores subsets when no subset is asked for',
      ask: { extra: [withSubset({ tls: MTLS })] },
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/r sets DISABLE',
    },
  ]);
});

describe('auto mTLS per endpoint', () => {
  table([
    {
      name: 'sends mTLS to a sidecar whose port is PERMISSIVE',
      ask: {},
      mode: 'ISTIO_MUTUAL',
      reason: 'auto mTLS: endpoint has a sidecar and its port 80 is PERMISSIVE (MeshPolicy default)',
    },
    {
      name: 'sends plaintext to an endpoint without a sidecar',
      ask: { to: 'partial', endpoint: 'httpbin-nosidecar' },
      mode: 'DISABLE',
      reason: 'auto mTLS: endpoint has no sidecar',
    },
    {
      name: 'sends plaintext to a sidecar whose port is DISABLE',
      ask: { extra: [policy('full', 'httpbin', { targets: [{ name: 'httpbin' }] })] },
      mode: 'DISABLE',
      reason:
        "auto mTLS: endpoint's port 80 is DISABLE (Policy full/httpbin targets service httpbin, no mtls peer): plaintext",
    },
    {
      name: 'follows the endpoint’s own mode: namespace DISABLE with workload STRICT still gets mTLS',
      ask: {
        extra: [
          peerAuthentication('full', 'ns', { mtls: { mode: 'DISABLE' } }),
          peerAuthentication('full', 'httpbin', {
            selector: { matchLabels: { app: 'httpbin' } },
            mtls: { mode: 'STRICT' },
          }),
        ],
      },
      mode: 'ISTIO_MUTUAL',
      reason:
        'auto mTLS: endpoint has a sidecar and its port 80 is STRICT (PeerAuthentication full/httpbin, workload level)',
    },
    {
      name: 'sends plaintext when auto is off and no rule sets tls',
      ask: { settings: { autoMtls: false } },
      mode: 'DISABLE',
      reason: 'auto mTLS off and no DestinationRule TLS: plaintext',
    },
    {
      name: 'applies explicit ISTIO_MUTUAL even to an endpoint without a sidecar',
      ask: { to: 'partial', endpoint: 'httpbin-nosidecar', extra: [rule('partial', 'all', 'httpbin', MTLS)] },
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule partial/all sets ISTIO_MUTUAL',
    },
    {
      name: 'sends what its app sends from a client without a sidecar',
      ask: { from: ['legacy', 'sleep'] },
      mode: 'DISABLE',
      reason: 'client has no sidecar: its app talks plaintext directly',
    },
  ]);
});

describe('mesh mTLS parameters', () => {
  it('uses SNI outbound_.<port>_.<subset>_.<fqdn> and the SPIFFE IDs of the service accounts', () => {
    assert.deepEqual(tlsFor({}), {
      mode: 'ISTIO_MUTUAL',
      reason: 'auto mTLS: endpoint has a sidecar and its port 80 is PERMISSIVE (MeshPolicy default)',
      sni: 'outbound_.8000_._.httpbin.full.svc.cluster.local',
      sans: ['spiffe://cluster.local/ns/full/sa/httpbin'],
    });
  });

  it('puts the subset into the SNI', () => {
    const tls = tlsFor({ subset: 'v1' });
    assert.equal(
      tls.mode === 'ISTIO_MUTUAL' && tls.sni,
      'outbound_.8000_.v1_.httpbin.full.svc.cluster.local',
    );
  });

  it('expects every service account of the service, sidecar or not, sorted and unique', () => {
    const tls = tlsFor({ to: 'partial' });
    assert.deepEqual(tls.mode === 'ISTIO_MUTUAL' && tls.sans, [
      'spiffe://cluster.local/ns/partial/sa/default',
      'spiffe://cluster.local/ns/partial/sa/httpbin',
    ]);
  });

  it('uses the trust domain in the SANs', () => {
    const tls = tlsFor({ settings: { trustDomain: 'example.org' } });
    assert.deepEqual(tls.mode === 'ISTIO_MUTUAL' && tls.sans, ['spiffe://example.org/ns/full/sa/httpbin']);
  });

  it("takes the rule's sni and subjectAltNames when given", () => {
    const tls = tlsFor({
      extra: [
        rule('full', 'r', 'httpbin', {
          mode: 'ISTIO_MUTUAL',
          sni: 'custom',
          subjectAltNames: ['spiffe://cluster.local/ns/x/sa/y'],
        }),
      ],
    });
    assert.deepEqual(tls, {
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/r sets ISTIO_MUTUAL',
      sni: 'custom',
      sans: ['spiffe://cluster.local/ns/x/sa/y'],
    });
  });

  it('carries SIMPLE and MUTUAL settings through', () => {
    const simple = tlsFor({
      extra: [rule('full', 'r', 'httpbin', { mode: 'SIMPLE', sni: 'h', caCertificates: '/ca.pem' })],
    });
    assert.deepEqual(simple, {
      mode: 'SIMPLE',
      reason: 'explicit: DestinationRule full/r sets SIMPLE',
      sans: [],
      sni: 'h',
      caCertificates: '/ca.pem',
    });
    const mutual = tlsFor({
      extra: [
        rule('full', 'r', 'httpbin', {
          mode: 'MUTUAL',
          clientCertificate: '/c.pem',
          privateKey: '/k.pem',
          subjectAltNames: ['a'],
        }),
      ],
    });
    assert.deepEqual(mutual, {
      mode: 'MUTUAL',
      reason: 'explicit: DestinationRule full/r sets MUTUAL',
      sans: ['a'],
      clientCertificate: '/c.pem',
      privateKey: '/k.pem',
    });
  });
});
