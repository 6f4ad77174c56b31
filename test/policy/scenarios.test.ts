// istio-reference.md §8, rows 1–50, decided per behaviour.md. Each row builds the mesh, asks the
// policy engine what every endpoint's client TLS and server mode are, and predicts the wire
// outcome (wire-model.ts) the way the table states it. Deviations from the table are noted inline.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MeshSettings, Resource } from '../../src/api/index.js';
import { meshStateFromResources } from '../../src/policy/index.js';
import type { MeshState } from '../../src/policy/index.js';
import { destinationRule, pod, policy, seedState, seedWorkloads } from './mesh-builders.js';
import { probe, summarize } from './wire-model.js';

const STRICT_SERVICE = policy('full', 'httpbin', { targets: [{ name: 'httpbin' }], peers: [{ mtls: {} }] });
const PLAINTEXT_SERVICE = policy('full', 'httpbin', { targets: [{ name: 'httpbin' }] });
const DR_MTLS = destinationRule('full', 'httpbin-full-mtls', {
  host: 'httpbin.full.svc.cluster.local',
  trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
});
const drTls = (
  tls: NonNullable<NonNullable<Parameters<typeof destinationRule>[2]['trafficPolicy']>['tls']>,
) => destinationRule('full', 'httpbin', { host: 'httpbin', trafficPolicy: { tls } });
const DR_POOL_ONLY = destinationRule('full', 'httpbin', {
  host: 'httpbin',
  trafficPolicy: { connectionPool: { tcp: { maxConnections: 10 } } },
});
const NS_STRICT = policy('full', 'default', { peers: [{ mtls: {} }] });

const S1: Resource[] = [];
const S2 = [STRICT_SERVICE];
const S3 = [PLAINTEXT_SERVICE];
const S4 = [PLAINTEXT_SERVICE, DR_MTLS];
const AUTO_OFF: Partial<MeshSettings> = { autoMtls: false };
const MESH_STRICT: Partial<MeshSettings> = { mtlsEnabled: true };
const ENABLED_AUTO_OFF: Partial<MeshSettings> = { autoMtls: false, mtlsEnabled: true };

interface Row {
  row: number;
  client: 'C_s' | 'C_n';
  server: 'F' | 'P' | 'L';
  extra: Resource[];
  settings?: Partial<MeshSettings>;
  /** Builds the state another way (row 36: nothing installed). */
  state?: () => MeshState;
  expected: string;
  xfcc: 'yes' | 'no' | 'some';
}

const s = (
  row: number,
  client: Row['client'],
  server: Row['server'],
  extra: Resource[],
  expected: string,
  xfcc: Row['xfcc'],
  settings?: Partial<MeshSettings>,
): Row => ({
  row,
  client,
  server,
  extra,
  expected,
  xfcc,
  ...(settings === undefined ? {} : { settings }),
});

const ROWS: Row[] = [
  // Seed phase 1: MeshPolicy default PERMISSIVE. ("≈50%" in the table is `some` here: of P's two pods, one gets mTLS.)
  s(1, 'C_s', 'F', S1, '200', 'yes'),
  s(2, 'C_s', 'P', S1, '200', 'some'),
  s(3, 'C_s', 'L', S1, '200', 'no'),
  s(4, 'C_n', 'F', S1, '200', 'no'),
  s(5, 'C_n', 'P', S1, '200', 'no'),
  s(6, 'C_n', 'L', S1, '200', 'no'),
  // Seed phase 2: Policy full/httpbin STRICT.
  s(7, 'C_s', 'F', S2, '200', 'yes'),
  s(8, 'C_s', 'P', S2, '200', 'some'),
  s(9, 'C_s', 'L', S2, '200', 'no'),
  s(10, 'C_n', 'F', S2, 'reset', 'no'),
  s(11, 'C_n', 'P', S2, '200', 'no'),
  s(12, 'C_n', 'L', S2, '200', 'no'),
  // Seed phase 3: the same Policy without peers: DISABLE.
  s(13, 'C_s', 'F', S3, '200', 'no'),
  s(14, 'C_s', 'P', S3, '200', 'some'),
  s(15, 'C_s', 'L', S3, '200', 'no'),
  s(16, 'C_n', 'F', S3, '200', 'no'),
  s(17, 'C_n', 'P', S3, '200', 'no'),
  s(18, 'C_n', 'L', S3, '200', 'no'),
  // Seed phase 4: DestinationRule ISTIO_MUTUAL for httpbin.full over the DISABLE Policy.
  s(19, 'C_s', 'F', S4, '503', 'no'),
  s(20, 'C_s', 'P', S4, '200', 'some'),
  s(21, 'C_s', 'L', S4, '200', 'no'),
  s(22, 'C_n', 'F', S4, '200', 'no'),
  s(23, 'C_n', 'P', S4, '200', 'no'),
  s(24, 'C_n', 'L', S4, '200', 'no'),
  // Beyond the seed.
  s(25, 'C_s', 'F', [], '200', 'no', AUTO_OFF),
  s(26, 'C_s', 'F', S2, '503', 'no', AUTO_OFF),
  s(27, 'C_s', 'F', [STRICT_SERVICE, drTls({ mode: 'ISTIO_MUTUAL' })], '200', 'yes', AUTO_OFF),
  s(28, 'C_s', 'L', [], '503', 'no', ENABLED_AUTO_OFF),
  s(29, 'C_s', 'F', [DR_POOL_ONLY], '503', 'no', ENABLED_AUTO_OFF),
  s(30, 'C_s', 'F', [DR_POOL_ONLY], '200', 'yes', MESH_STRICT),
  s(31, 'C_s', 'F', [], '200', 'yes', MESH_STRICT),
  s(32, 'C_s', 'L', [], '200', 'no', MESH_STRICT),
  s(33, 'C_s', 'P', [], '200', 'some', MESH_STRICT),
  s(34, 'C_n', 'F', [], 'reset', 'no', MESH_STRICT),
  s(35, 'C_n', 'P', [], 'mixed:200/reset', 'no', MESH_STRICT),
  {
    // Deviation: Model A finds no policy ⇒ DISABLE ⇒ no XFCC. behaviour.md: with no policy of any
    // kind every server port is PERMISSIVE, so auto mTLS reaches F's sidecar and XFCC is present.
    row: 36,
    client: 'C_s',
    server: 'F',
    extra: [],
    state: () => meshStateFromResources(seedWorkloads()),
    expected: '200',
    xfcc: 'yes',
  },
  s(37, 'C_n', 'F', [NS_STRICT], 'reset', 'no'),
  s(38, 'C_s', 'F', [NS_STRICT], '200', 'yes'),
  s(39, 'C_n', 'F', [NS_STRICT, PLAINTEXT_SERVICE], '200', 'no'),
  s(40, 'C_s', 'F', [NS_STRICT, PLAINTEXT_SERVICE], '200', 'no'),
  s(41, 'C_s', 'F', [policy('full', 'default', {})], '200', 'no', MESH_STRICT),
  s(
    42,
    'C_n',
    'F',
    [
      policy('full', 'httpbin', {
        targets: [{ name: 'httpbin', ports: [{ number: 1234 }] }],
        peers: [{ mtls: {} }],
      }),
    ],
    '200',
    'no',
  ),
  s(
    43,
    'C_n',
    'F',
    [
      policy('full', 'httpbin', {
        targets: [{ name: 'httpbin', ports: [{ name: 'http' }] }],
        peers: [{ mtls: {} }],
      }),
    ],
    'reset',
    'no',
  ),
  s(
    44,
    'C_n',
    'F',
    [
      policy(
        'full',
        'zz-older-strict',
        { targets: [{ name: 'httpbin' }], peers: [{ mtls: {} }] },
        '2020-01-01T00:00:00Z',
      ),
      policy('full', 'aa-newer-plain', { targets: [{ name: 'httpbin' }] }, '2020-01-02T00:00:00Z'),
    ],
    'reset',
    'no',
  ),
  s(
    45,
    'C_n',
    'F',
    [
      policy('full', 'httpbin', {
        targets: [{ name: 'httpbin' }],
        peers: [{ mtls: {} }],
        peerIsOptional: true,
      }),
    ],
    'reset',
    'no',
  ),
  s(46, 'C_s', 'F', [STRICT_SERVICE, drTls({ mode: 'DISABLE' })], '503', 'no'),
  s(47, 'C_s', 'F', [drTls({ mode: 'DISABLE' })], '200', 'no'),
  s(48, 'C_s', 'F', [drTls({ mode: 'SIMPLE' })], '503', 'no'),
  s(49, 'C_s', 'F', [STRICT_SERVICE, drTls({ mode: 'SIMPLE' })], '503', 'no'),
  s(
    50,
    'C_s',
    'F',
    [
      STRICT_SERVICE,
      drTls({
        mode: 'MUTUAL',
        clientCertificate: '/etc/other/cert.pem',
        privateKey: '/etc/other/key.pem',
        caCertificates: '/etc/other/ca.pem',
      }),
    ],
    '503',
    'no',
  ),
];

const SERVER_NS = { F: 'full', P: 'partial', L: 'legacy' } as const;

describe('scenario table (istio-reference.md §8 rows 1–50)', () => {
  for (const r of ROWS) {
    const label = `row ${r.row}: ${r.client} → ${r.server} gives ${r.expected}, XFCC ${r.xfcc}`;
    it(label, () => {
      const state = r.state?.() ?? seedState(r.extra, r.settings ?? {});
      const client = pod(state, r.client === 'C_s' ? 'full' : 'legacy', 'sleep');
      const outcomes = probe(state, client, SERVER_NS[r.server]);
      assert.equal(outcomes.length, r.server === 'P' ? 2 : 1);
      assert.deepEqual(summarize(outcomes), { expected: r.expected, xfcc: r.xfcc }, JSON.stringify(outcomes));
    });
  }

  it('covers rows 1 to 50 exactly once', () => {
    assert.deepEqual(
      ROWS.map((r) => r.row),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
  });
});
