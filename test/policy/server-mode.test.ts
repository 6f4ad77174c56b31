// behaviour.md "The server's mode for (workload, workload port)", rule by rule.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../src/api/index.js';
import { meshStateFromResources, serverMode } from '../../src/policy/index.js';
import type { ModeDecision } from '../../src/policy/index.js';
import { deployment, meshPolicy, peerAuthentication, policy, service } from './mesh-builders.js';

// Workload `web` in `app`: container ports 80 (http) and 9000 (metrics). Service `web` 8080 → 80,
// service `web-admin` 9090 → "metrics" (9000).
const WORKLOAD: Resource[] = [
  deployment('app', 'web', {
    labels: { app: 'web', tier: 'front' },
    sidecar: true,
    ports: [
      { containerPort: 80, name: 'http' },
      { containerPort: 9000, name: 'metrics' },
    ],
  }),
  service('app', 'web', { app: 'web' }, [{ name: 'http', port: 8080, targetPort: 80 }]),
  service('app', 'web-admin', { app: 'web' }, [{ name: 'http-admin', port: 9090, targetPort: 'metrics' }]),
];

function modeOf(resources: Resource[], port = 80, workloadResources = WORKLOAD): ModeDecision {
  const state = meshStateFromResources([...workloadResources, ...resources]);
  const web = state.workloads.find((w) => w.namespace === 'app');
  assert.ok(web);
  return serverMode(state, web, port);
}

const T1 = '2021-01-01T00:00:00Z';
const T2 = '2021-01-02T00:00:00Z';
const pa = peerAuthentication;
const mode = (m: 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT') => ({ mtls: { mode: m } });
const selectWeb = { selector: { matchLabels: { app: 'web' } } };

interface Case {
  name: string;
  resources: Resource[];
  port?: number;
  mode: string;
  reason: string;
}

function table(cases: Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const decision = modeOf(c.resources, c.port ?? 80);
      assert.equal(decision.mode, c.mode);
      assert.equal(decision.reason, c.reason);
    });
  }
}

describe('server mode with nothing applied', () => {
  table([
    {
      name: 'is PERMISSIVE when no policy of any kind exists',
      resources: [],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (no policy applies)',
    },
  ]);
});

describe('server mode from PeerAuthentication', () => {
  table([
    {
      name: 'takes the mesh level from the root namespace',
      resources: [pa('istio-system', 'default', mode('STRICT'))],
      mode: 'STRICT',
      reason: 'STRICT (PeerAuthentication istio-system/default, mesh level)',
    },
    {
      name: 'lets the namespace level override the mesh level',
      resources: [pa('istio-system', 'default', mode('STRICT')), pa('app', 'ns', mode('DISABLE'))],
      mode: 'DISABLE',
      reason: 'DISABLE (PeerAuthentication app/ns, namespace level)',
    },
    {
      name: 'inherits the mesh level through a namespace UNSET',
      resources: [pa('istio-system', 'default', mode('STRICT')), pa('app', 'ns', mode('UNSET'))],
      mode: 'STRICT',
      reason: 'STRICT (PeerAuthentication istio-system/default, mesh level)',
    },
    {
      name: 'inherits through a namespace policy without mtls',
      resources: [pa('istio-system', 'default', mode('DISABLE')), pa('app', 'ns', {})],
      mode: 'DISABLE',
      reason: 'DISABLE (PeerAuthentication istio-system/default, mesh level)',
    },
    {
      name: 'lets the workload level override the namespace level',
      resources: [pa('app', 'ns', mode('PERMISSIVE')), pa('app', 'web', { ...selectWeb, ...mode('STRICT') })],
      mode: 'STRICT',
      reason: 'STRICT (PeerAuthentication app/web, workload level)',
    },
    {
      name: 'ignores a workload policy whose selector does not match',
      resources: [
        pa('app', 'ns', mode('PERMISSIVE')),
        pa('app', 'other', { selector: { matchLabels: { app: 'other' } }, ...mode('STRICT') }),
      ],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (PeerAuthentication app/ns, namespace level)',
    },
    {
      name: 'takes the oldest namespace-level policy',
      resources: [pa('app', 'a-new', mode('DISABLE'), T2), pa('app', 'z-old', mode('STRICT'), T1)],
      mode: 'STRICT',
      reason: 'STRICT (PeerAuthentication app/z-old, namespace level)',
    },
    {
      name: 'breaks a timestamp tie by namespace/name',
      resources: [pa('app', 'b', mode('DISABLE'), T1), pa('app', 'a', mode('STRICT'), T1)],
      mode: 'STRICT',
      reason: 'STRICT (PeerAuthentication app/a, namespace level)',
    },
    {
      name: 'takes the oldest matching workload-level policy',
      resources: [
        pa('app', 'newer', { selector: { matchLabels: { tier: 'front' } }, ...mode('DISABLE') }, T2),
        pa('app', 'older', { ...selectWeb, ...mode('STRICT') }, T1),
      ],
      mode: 'STRICT',
      reason: 'STRICT (PeerAuthentication app/older, workload level)',
    },
    {
      name: 'applies portLevelMtls to the workload port it names',
      resources: [
        pa('app', 'web', { ...selectWeb, ...mode('STRICT'), portLevelMtls: { '80': { mode: 'DISABLE' } } }),
      ],
      mode: 'DISABLE',
      reason: 'DISABLE (PeerAuthentication app/web, port 80)',
    },
    {
      name: 'leaves other ports at the workload result',
      resources: [
        pa('app', 'web', { ...selectWeb, ...mode('STRICT'), portLevelMtls: { '80': { mode: 'DISABLE' } } }),
      ],
      port: 9000,
      mode: 'STRICT',
      reason: 'STRICT (PeerAuthentication app/web, workload level)',
    },
    {
      name: 'does not match portLevelMtls by service port',
      resources: [
        pa('app', 'web', { ...selectWeb, ...mode('STRICT'), portLevelMtls: { '8080': { mode: 'DISABLE' } } }),
      ],
      mode: 'STRICT',
      reason: 'STRICT (PeerAuthentication app/web, workload level)',
    },
    {
      name: 'inherits the workload result through a port-level UNSET',
      resources: [
        pa('app', 'web', { ...selectWeb, ...mode('PERMISSIVE'), portLevelMtls: { '80': { mode: 'UNSET' } } }),
      ],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (PeerAuthentication app/web, workload level)',
    },
    {
      name: 'ignores portLevelMtls on a policy without a selector',
      resources: [pa('app', 'ns', { ...mode('STRICT'), portLevelMtls: { '80': { mode: 'DISABLE' } } })],
      mode: 'STRICT',
      reason: 'STRICT (PeerAuthentication app/ns, namespace level)',
    },
    {
      name: 'ignores root-namespace policies with a selector',
      resources: [pa('istio-system', 'sel', { ...selectWeb, ...mode('DISABLE') })],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (no policy applies)',
    },
    {
      name: "ignores another namespace's policies",
      resources: [pa('other', 'ns', mode('STRICT'))],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (no policy applies)',
    },
    {
      name: 'treats an empty matchLabels as namespace level',
      resources: [
        pa('app', 'ns', {
          selector: { matchLabels: {} },
          ...mode('STRICT'),
          portLevelMtls: { '80': { mode: 'DISABLE' } },
        }),
      ],
      mode: 'STRICT',
      reason: 'STRICT (PeerAuthentication app/ns, namespace level)',
    },
    {
      name: 'accepts security.istio.io/v1',
      resources: [{ ...pa('app', 'ns', mode('DISABLE')), apiVersion: 'security.istio.io/v1' }],
      mode: 'DISABLE',
      reason: 'DISABLE (PeerAuthentication app/ns, namespace level)',
    },
  ]);
});

describe('server mode from v1alpha1 Policy and MeshPolicy', () => {
  const strictWeb = (extra: object = {}, name = 'web-strict', created?: string) =>
    policy('app', name, { targets: [{ name: 'web', ...extra }], peers: [{ mtls: {} }] }, created);
  table([
    {
      name: 'reads MeshPolicy default PERMISSIVE',
      resources: [meshPolicy({ peers: [{ mtls: { mode: 'PERMISSIVE' } }] })],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (MeshPolicy default)',
    },
    {
      name: 'reads mtls: {} as STRICT',
      resources: [meshPolicy({ peers: [{ mtls: {} }] })],
      mode: 'STRICT',
      reason: 'STRICT (MeshPolicy default)',
    },
    {
      name: 'reads mtls: null as STRICT',
      resources: [meshPolicy({ peers: [{ mtls: null }] })],
      mode: 'STRICT',
      reason: 'STRICT (MeshPolicy default)',
    },
    {
      name: 'reads mode STRICT as STRICT',
      resources: [meshPolicy({ peers: [{ mtls: { mode: 'STRICT' } }] })],
      mode: 'STRICT',
      reason: 'STRICT (MeshPolicy default)',
    },
    {
      name: 'reads a policy without peers as DISABLE',
      resources: [meshPolicy({})],
      mode: 'DISABLE',
      reason: 'DISABLE (MeshPolicy default, no mtls peer)',
    },
    {
      name: 'reads a jwt-only peer list as DISABLE',
      resources: [meshPolicy({ peers: [{ jwt: { issuer: 'x' } }] })],
      mode: 'DISABLE',
      reason: 'DISABLE (MeshPolicy default, no mtls peer)',
    },
    {
      name: 'lets the first mtls peer decide',
      resources: [
        meshPolicy({ peers: [{ jwt: { issuer: 'x' } }, { mtls: { mode: 'PERMISSIVE' } }, { mtls: {} }] }),
      ],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (MeshPolicy default)',
    },
    {
      name: 'ignores a MeshPolicy not named default',
      resources: [meshPolicy({ peers: [{ mtls: {} }] }, 'other')],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (no policy applies)',
    },
    {
      name: "prefers the namespace's default Policy, with no inheritance from the mesh",
      resources: [meshPolicy({ peers: [{ mtls: {} }] }), policy('app', 'default', {})],
      mode: 'DISABLE',
      reason: 'DISABLE (Policy app/default for namespace app, no mtls peer)',
    },
    {
      name: 'ignores a namespaced Policy without targets that is not named default',
      resources: [policy('app', 'everything', { peers: [{ mtls: {} }] })],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (no policy applies)',
    },
    {
      name: 'ignores a Policy named default that has targets',
      resources: [policy('app', 'default', { targets: [{ name: 'web' }], peers: [{ mtls: {} }] })],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (no policy applies)',
    },
    {
      name: 'prefers a service-targeted Policy over the namespace default',
      resources: [policy('app', 'default', { peers: [{ mtls: { mode: 'PERMISSIVE' } }] }), strictWeb()],
      mode: 'STRICT',
      reason: 'STRICT (Policy app/web-strict targets service web)',
    },
    {
      name: 'matches a target port by service port number',
      resources: [strictWeb({ ports: [{ number: 8080 }] })],
      mode: 'STRICT',
      reason: 'STRICT (Policy app/web-strict targets service web port 8080)',
    },
    {
      name: 'does not match a target port by the target (workload) port',
      resources: [strictWeb({ ports: [{ number: 80 }] })],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (no policy applies)',
    },
    {
      name: 'matches a target port by service port name',
      resources: [strictWeb({ ports: [{ name: 'http' }] })],
      mode: 'STRICT',
      reason: 'STRICT (Policy app/web-strict targets service web port 8080)',
    },
    {
      name: 'applies only to the workload ports the targeted service reaches',
      resources: [meshPolicy({ peers: [{ mtls: { mode: 'PERMISSIVE' } }] }), strictWeb()],
      port: 9000,
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (MeshPolicy default)',
    },
    {
      name: 'follows a named targetPort to the container port',
      resources: [policy('app', 'admin', { targets: [{ name: 'web-admin' }], peers: [{ mtls: {} }] })],
      port: 9000,
      mode: 'STRICT',
      reason: 'STRICT (Policy app/admin targets service web-admin)',
    },
    {
      name: 'matches a target named by FQDN',
      resources: [policy('app', 'fqdn', { targets: [{ name: 'web.app.svc.cluster.local' }] })],
      mode: 'DISABLE',
      reason: 'DISABLE (Policy app/fqdn targets service web, no mtls peer)',
    },
    {
      name: 'lets the oldest applicable service Policy win over a newer port-specific one',
      resources: [
        strictWeb({}, 'older', T1),
        policy('app', 'newer', { targets: [{ name: 'web', ports: [{ number: 8080 }] }] }, T2),
      ],
      mode: 'STRICT',
      reason: 'STRICT (Policy app/older targets service web)',
    },
    {
      name: 'skips an older service Policy whose ports do not match',
      resources: [
        strictWeb({ ports: [{ number: 1 }] }, 'older', T1),
        policy('app', 'newer', { targets: [{ name: 'web' }] }, T2),
      ],
      mode: 'DISABLE',
      reason: 'DISABLE (Policy app/newer targets service web, no mtls peer)',
    },
    {
      name: 'ignores a Policy targeting a same-named service in another namespace',
      resources: [policy('other', 'web', { targets: [{ name: 'web' }], peers: [{ mtls: {} }] })],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (no policy applies)',
    },
    {
      name: 'gives PeerAuthentication precedence over Policy',
      resources: [meshPolicy({ peers: [{ mtls: {} }] }), strictWeb(), pa('app', 'ns', mode('PERMISSIVE'))],
      mode: 'PERMISSIVE',
      reason: 'PERMISSIVE (PeerAuthentication app/ns, namespace level)',
    },
    {
      // A PeerAuthentication that sets nothing (all UNSET) says nothing: the Policy still decides.
      name: 'lets Policy decide when every PeerAuthentication is UNSET',
      resources: [meshPolicy({ peers: [{ mtls: {} }] }), pa('app', 'ns', mode('UNSET'))],
      mode: 'STRICT',
      reason: 'STRICT (MeshPolicy default)',
    },
  ]);

  it('picks the first service by name when several reach the port, and says so', () => {
    const alias = service('app', 'a-web-alias', { app: 'web' }, [{ name: 'http', port: 80 }]);
    const decision = modeOf(
      [policy('app', 'web-strict', { targets: [{ name: 'web' }], peers: [{ mtls: {} }] })],
      80,
      [...WORKLOAD, alias],
    );
    assert.equal(decision.mode, 'PERMISSIVE');
    assert.equal(
      decision.reason,
      'PERMISSIVE (no policy applies; decided by service a-web-alias:80, first by name of 2 (also web:8080))',
    );
  });

  it('names the deciding object in source', () => {
    assert.equal(modeOf([meshPolicy({ peers: [{ mtls: {} }] })]).source, 'MeshPolicy default');
    assert.equal(modeOf([pa('app', 'ns', mode('STRICT'))]).source, 'PeerAuthentication app/ns');
    assert.equal(modeOf([]).source, 'none');
  });
});
