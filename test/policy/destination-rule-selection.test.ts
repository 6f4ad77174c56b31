// behaviour.md "What the client sidecar sends", step 1: which DestinationRule(s) a client uses.
// Each table follows Istio where the contract does (istio/istio at the 2026 snapshot):
// - merging: pilot/pkg/model/destination_rule.go PushContext.mergeDestinationRule, fed oldest
//   first by pilot/pkg/model/push_context.go setDestinationRules (sortConfigBySelectorAndCreationTime);
// - exportTo: setDestinationRules (which rules enter a namespace's namespaceLocal index) and
//   getExportedDestinationRuleFromNamespace (which exported rules a client sees);
// - the root namespace: PushContext.destinationRule (the rootNamespaceLocal branch for proxies in
//   the root namespace; "isPrivateOnly" in setDestinationRules decides what goes there).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DestinationRule, Resource, UpstreamTls } from '../../src/api/index.js';
import {
  MeshIndex,
  clientTls,
  destinationRuleForHost,
  mergeDestinationRules,
  selectDestinationRule,
} from '../../src/policy/index.js';
import {
  HTTPBIN_PORT,
  deployment,
  destinationRule as dr,
  namespace,
  pod,
  seedState,
  service,
  serviceIn,
} from './mesh-builders.js';

const MTLS = { mode: 'ISTIO_MUTUAL' } as const;
const PLAIN = { mode: 'DISABLE' } as const;
const ROOT = 'istio-system';
const AUTO = 'auto mTLS: endpoint has a sidecar and its port 80 is PERMISSIVE (MeshPolicy default)';

/** A client with a sidecar in the root namespace (where Istio's gateways usually run). */
const ROOT_CLIENT: Resource[] = [
  namespace(ROOT),
  deployment(ROOT, 'sleep', { sidecar: true }),
  service(ROOT, 'sleep', { app: 'sleep' }, [{ name: 'http', port: 80 }]),
];

interface Case {
  name: string;
  rules: DestinationRule[];
  /** Client [namespace, deployment]; default sleep in full. */
  from?: [string, string];
  /** The httpbin service of this namespace; default full. */
  to?: string;
  subset?: string;
  mode: UpstreamTls['mode'];
  reason: string;
  /** The lookup step that found the rule(s), when one did. */
  found?: string;
}

function table(cases: Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const state = seedState([...ROOT_CLIENT, ...c.rules]);
      const [clientNs, clientDeploy] = c.from ?? ['full', 'sleep'];
      const ns = c.to ?? 'full';
      const service = serviceIn(state, ns, 'httpbin');
      const tls = clientTls(state, {
        client: pod(state, clientNs, clientDeploy),
        service,
        servicePort: HTTPBIN_PORT,
        ...(c.subset === undefined ? {} : { subset: c.subset }),
        endpoint: pod(state, ns, 'httpbin'),
      });
      assert.deepEqual([tls.mode, tls.reason], [c.mode, c.reason]);
      const selection = selectDestinationRule(new MeshIndex(state), clientNs, service);
      assert.equal(selection?.step, c.found);
    });
  }
}

const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-02T00:00:00Z';

function rule(
  ns: string,
  name: string,
  spec: Partial<DestinationRule['spec']>,
  created?: string,
): DestinationRule {
  return dr(ns, name, { host: 'httpbin', ...spec }, created);
}

const v1 = (trafficPolicy?: object) => ({
  name: 'v1',
  labels: { version: 'v1' },
  ...(trafficPolicy === undefined ? {} : { trafficPolicy }),
});

describe('several DestinationRules for one host in one namespace (mergeDestinationRule)', () => {
  table([
    {
      name: "applies a newer rule's tls when the older rule has no trafficPolicy (subsets only)",
      rules: [
        rule('full', 'subsets', { subsets: [v1()] }, T1),
        rule('full', 'tls', { trafficPolicy: { tls: MTLS } }, T2),
      ],
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/tls sets ISTIO_MUTUAL (merged with full/subsets)',
      found: "the client's namespace",
    },
    {
      name: 'takes the top-level trafficPolicy whole from the oldest rule that has one, even without tls',
      rules: [
        rule('full', 'pool', { trafficPolicy: { connectionPool: {} } }, T1),
        rule('full', 'tls', { trafficPolicy: { tls: PLAIN } }, T2),
      ],
      mode: 'ISTIO_MUTUAL',
      reason: AUTO,
      found: "the client's namespace",
    },
    {
      name: 'takes the oldest of two rules that both set tls',
      rules: [
        rule('full', 'a-new', { trafficPolicy: { tls: PLAIN } }, T2),
        rule('full', 'z-old', { trafficPolicy: { tls: MTLS } }, T1),
      ],
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/z-old sets ISTIO_MUTUAL (merged with full/a-new)',
      found: "the client's namespace",
    },
    {
      name: 'orders rules created at the same time by name',
      rules: [
        rule('full', 'b', { trafficPolicy: { tls: MTLS } }, T1),
        rule('full', 'a', { trafficPolicy: { tls: PLAIN } }, T1),
      ],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/a sets DISABLE (merged with full/b)',
      found: "the client's namespace",
    },
    {
      name: "drops a newer rule's port-level settings when the older rule has a trafficPolicy",
      rules: [
        rule('full', 'old', { trafficPolicy: { tls: MTLS } }, T1),
        rule(
          'full',
          'ports',
          { trafficPolicy: { portLevelSettings: [{ port: { number: 8000 }, tls: PLAIN }] } },
          T2,
        ),
      ],
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/old sets ISTIO_MUTUAL (merged with full/ports)',
      found: "the client's namespace",
    },
    {
      name: "uses a newer rule's port-level settings when no older rule has a trafficPolicy",
      rules: [
        rule('full', 'old', { subsets: [v1()] }, T1),
        rule(
          'full',
          'ports',
          { trafficPolicy: { portLevelSettings: [{ port: { number: 8000 }, tls: PLAIN }] } },
          T2,
        ),
      ],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/ports sets DISABLE (port 8000; merged with full/old)',
      found: "the client's namespace",
    },
    {
      name: 'combines subsets: a subset of the newer rule is found, with its own tls',
      rules: [
        rule('full', 'old', { trafficPolicy: { tls: PLAIN } }, T1),
        rule('full', 'new', { subsets: [v1({ tls: MTLS })] }, T2),
      ],
      subset: 'v1',
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/new sets ISTIO_MUTUAL (subset v1; merged with full/old)',
      found: "the client's namespace",
    },
    {
      name: 'lets a subset without tls inherit the merged top level from another rule',
      rules: [
        rule('full', 'old', { subsets: [v1({ connectionPool: {} })] }, T1),
        rule('full', 'new', { trafficPolicy: { tls: PLAIN } }, T2),
      ],
      subset: 'v1',
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/new sets DISABLE (merged with full/old)',
      found: "the client's namespace",
    },
    {
      name: 'keeps the older definition of a duplicate subset name',
      rules: [
        rule('full', 'new', { subsets: [v1({ tls: MTLS })] }, T2),
        rule('full', 'old', { subsets: [v1({ tls: PLAIN })] }, T1),
      ],
      subset: 'v1',
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/old sets DISABLE (subset v1; merged with full/new)',
      found: "the client's namespace",
    },
    {
      name: 'merges rules that write the same host differently (short name and FQDN)',
      rules: [
        rule('full', 'short', { subsets: [v1()] }, T1),
        rule('full', 'fqdn', { host: 'httpbin.full.svc.cluster.local', trafficPolicy: { tls: PLAIN } }, T2),
      ],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/fqdn sets DISABLE (merged with full/short)',
      found: "the client's namespace",
    },
    {
      name: 'does not merge a wildcard rule into the exact one: the most specific host wins alone',
      rules: [
        rule('full', 'wide', { host: '*.local', trafficPolicy: { tls: PLAIN } }, T1),
        rule('full', 'narrower', { host: '*.svc.cluster.local', trafficPolicy: { tls: PLAIN } }, T1),
        rule('full', 'exact', { subsets: [v1()] }, T2),
      ],
      mode: 'ISTIO_MUTUAL',
      reason: AUTO,
      found: "the client's namespace",
    },
    {
      name: 'merges only the rules exported to the client',
      from: ['partial', 'httpbin'],
      rules: [
        rule('full', 'private', { trafficPolicy: { tls: PLAIN }, exportTo: ['.'] }, T1),
        rule('full', 'public', { trafficPolicy: { tls: MTLS } }, T2),
      ],
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/public sets ISTIO_MUTUAL',
      found: "the service's namespace",
    },
    // Istio keeps rules whose exportTo differ apart (mergeDestinationRule with
    // ENABLE_ENHANCED_DESTINATIONRULE_MERGE) and SidecarScope.DestinationRule takes the last one,
    // here full/public alone; behaviour.md merges the rules a client sees.
    {
      name: "merges the namespace's own private and public rules for its own clients",
      rules: [
        rule('full', 'private', { trafficPolicy: { tls: PLAIN }, exportTo: ['.'] }, T1),
        rule('full', 'public', { trafficPolicy: { tls: MTLS } }, T2),
      ],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/private sets DISABLE (merged with full/public)',
      found: "the client's namespace",
    },
    {
      name: 'does not merge across namespaces: the first step with a rule wins alone',
      rules: [
        rule('full', 'mine', { host: 'httpbin.partial', subsets: [v1()] }, T1),
        rule('partial', 'theirs', { trafficPolicy: { tls: PLAIN } }, T1),
      ],
      to: 'partial',
      mode: 'ISTIO_MUTUAL',
      reason: AUTO,
      found: "the client's namespace",
    },
  ]);

  // Istio's TestSetDestinationRuleMerging: rule1 and rule2 (no exportTo) merge; rule3, exported
  // only to istio-system, stays apart there (Istio would give istio-system's clients rule3 alone,
  // see above); clients that do not see rule3 get rule1 + rule2 in both.
  it("merges Istio's TestSetDestinationRuleMerging rules for the clients that see them", () => {
    const host = 'httpbin.example.org';
    const index = new MeshIndex(
      seedState([
        dr('test', 'rule1', { host, subsets: [{ name: 'subset1' }, { name: 'subset2' }] }),
        dr('test', 'rule2', { host, subsets: [{ name: 'subset3' }, { name: 'subset4' }] }),
        dr('test', 'rule3', { host, exportTo: [ROOT], subsets: [{ name: 'subset5' }, { name: 'subset6' }] }),
      ]),
    );
    const seen = (clientNs: string) => {
      const found = destinationRuleForHost(index, clientNs, host, 'test');
      return [found?.rule.from.map((r) => r.metadata.name), found?.rule.spec.subsets?.map((s) => s.name)];
    };
    assert.deepEqual(seen('test'), [
      ['rule1', 'rule2'],
      ['subset1', 'subset2', 'subset3', 'subset4'],
    ]);
    assert.deepEqual(seen('other'), seen('test'));
    assert.deepEqual(seen(ROOT), [
      ['rule1', 'rule2', 'rule3'],
      ['subset1', 'subset2', 'subset3', 'subset4', 'subset5', 'subset6'],
    ]);
  });

  it('keeps the merge a value: the rules it came from are not changed', () => {
    const old = rule('full', 'old', { subsets: [v1()] }, T1);
    const newer = rule('full', 'new', { trafficPolicy: { tls: MTLS }, subsets: [{ name: 'v2' }] }, T2);
    const before = JSON.stringify([old, newer]);
    const merged = mergeDestinationRules([old, newer]);
    assert.deepEqual(
      merged.spec.subsets?.map((s) => s.name),
      ['v1', 'v2'],
    );
    assert.equal(merged.trafficPolicyFrom, newer);
    assert.deepEqual(merged.from, [old, newer]);
    assert.equal(JSON.stringify([old, newer]), before);
  });
});

describe('exportTo that leaves out the rule’s own namespace (setDestinationRules namespaceLocal)', () => {
  const elsewhere = rule('full', 'for-partial', { trafficPolicy: { tls: PLAIN }, exportTo: ['partial'] });
  table([
    {
      name: 'does not apply the rule to clients in its own namespace',
      rules: [elsewhere],
      mode: 'ISTIO_MUTUAL',
      reason: AUTO,
    },
    {
      name: 'applies it to the namespace it is exported to',
      from: ['partial', 'httpbin'],
      rules: [elsewhere],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/for-partial sets DISABLE',
      found: "the service's namespace",
    },
    {
      name: "lets the namespace's other rules apply to its own clients",
      rules: [
        elsewhere,
        rule('full', 'wide', { host: '*.full.svc.cluster.local', trafficPolicy: { tls: MTLS } }),
      ],
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/wide sets ISTIO_MUTUAL',
      found: "the client's namespace",
    },
    {
      name: 'falls through to the root namespace for its own clients',
      rules: [elsewhere, rule(ROOT, 'default', { host: '*.local', trafficPolicy: { tls: MTLS } })],
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule istio-system/default sets ISTIO_MUTUAL',
      found: 'the root namespace',
    },
    // Istio's getExportedDestinationRuleFromNamespace takes the most specific host first and
    // then drops what the client may not see, so there full/for-legacy would hide full/wide
    // from partial; behaviour.md: a rule not exported to the client is not seen at all.
    {
      name: "does not let a rule hidden from the client hide the namespace's other rules",
      from: ['partial', 'httpbin'],
      rules: [
        rule('full', 'for-legacy', { trafficPolicy: { tls: PLAIN }, exportTo: ['legacy'] }),
        rule('full', 'wide', { host: '*.full.svc.cluster.local', trafficPolicy: { tls: MTLS } }),
      ],
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/wide sets ISTIO_MUTUAL',
      found: "the service's namespace",
    },
    {
      name: 'applies a rule exported to its own namespace by name',
      rules: [rule('full', 'named', { trafficPolicy: { tls: PLAIN }, exportTo: ['partial', 'full'] })],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/named sets DISABLE',
      found: "the client's namespace",
    },
    {
      name: 'applies a rule exported to `.` in its own namespace',
      rules: [rule('full', 'dot', { trafficPolicy: { tls: PLAIN }, exportTo: ['.'] })],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/dot sets DISABLE',
      found: "the client's namespace",
    },
    {
      name: 'applies a rule exported to `*` everywhere, its own namespace included',
      rules: [rule('full', 'star', { trafficPolicy: { tls: PLAIN }, exportTo: ['*'] })],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/star sets DISABLE',
      found: "the client's namespace",
    },
  ]);
});

describe('a client in the root namespace (destinationRule, rootNamespaceLocal)', () => {
  const fromRoot: [string, string] = [ROOT, 'sleep'];
  const catchAll = (spec: Partial<DestinationRule['spec']>, name = 'default', created?: string) =>
    rule(ROOT, name, { host: '*.local', ...spec }, created);
  table([
    {
      name: "looks at the service's namespace before the root namespace's public rules",
      from: fromRoot,
      rules: [
        catchAll({ trafficPolicy: { tls: PLAIN } }),
        rule('full', 'httpbin', { trafficPolicy: { tls: MTLS } }),
      ],
      mode: 'ISTIO_MUTUAL',
      reason: 'explicit: DestinationRule full/httpbin sets ISTIO_MUTUAL',
      found: "the service's namespace",
    },
    {
      name: "lets a service-namespace rule without tls shadow the root's catch-all (auto applies)",
      from: fromRoot,
      rules: [
        catchAll({ trafficPolicy: { tls: PLAIN } }),
        rule('full', 'pool', { trafficPolicy: { connectionPool: {} } }),
      ],
      mode: 'ISTIO_MUTUAL',
      reason: AUTO,
      found: "the service's namespace",
    },
    {
      name: "uses the root namespace's public rule when the service's namespace has none",
      from: fromRoot,
      rules: [catchAll({ trafficPolicy: { tls: PLAIN } })],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule istio-system/default sets DISABLE',
      found: 'the root namespace',
    },
    {
      name: 'puts the root rules exported only to itself (`.`) first',
      from: fromRoot,
      rules: [
        catchAll({ trafficPolicy: { tls: PLAIN }, exportTo: ['.'] }),
        rule('full', 'httpbin', { trafficPolicy: { tls: MTLS } }),
      ],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule istio-system/default sets DISABLE',
      found: "the root namespace's rules exported only to itself",
    },
    {
      name: 'counts exportTo naming the root namespace itself as private too',
      from: fromRoot,
      rules: [
        catchAll({ trafficPolicy: { tls: PLAIN }, exportTo: [ROOT] }),
        rule('full', 'httpbin', { trafficPolicy: { tls: MTLS } }),
      ],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule istio-system/default sets DISABLE',
      found: "the root namespace's rules exported only to itself",
    },
    // Istio checks root's exported rules for the client's namespace name, not for `.`, so it
    // would not show this rule to root clients at all; behaviour.md: exported to root, so seen.
    {
      name: 'sees a root rule exported to `.` and to other namespaces, after the service’s namespace',
      from: fromRoot,
      rules: [catchAll({ trafficPolicy: { tls: PLAIN }, exportTo: ['.', 'full'] })],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule istio-system/default sets DISABLE',
      found: 'the root namespace',
    },
    {
      name: 'does not merge the private root rules with the public ones for the same host',
      from: fromRoot,
      rules: [
        catchAll({ trafficPolicy: { tls: PLAIN } }, 'public', T1),
        catchAll({ subsets: [v1()], exportTo: ['.'] }, 'private', T2),
      ],
      mode: 'ISTIO_MUTUAL',
      reason: AUTO,
      found: "the root namespace's rules exported only to itself",
    },
    {
      name: 'does not show the root rules exported only to itself to other namespaces',
      rules: [catchAll({ trafficPolicy: { tls: PLAIN }, exportTo: ['.'] })],
      mode: 'ISTIO_MUTUAL',
      reason: AUTO,
    },
    {
      name: "keeps a non-root client's own namespace first, before the service's",
      to: 'partial',
      rules: [
        rule('full', 'mine', { host: 'httpbin.partial', trafficPolicy: { tls: PLAIN } }),
        rule('partial', 'theirs', { trafficPolicy: { tls: MTLS } }),
        catchAll({ trafficPolicy: { tls: MTLS } }),
      ],
      mode: 'DISABLE',
      reason: 'explicit: DestinationRule full/mine sets DISABLE',
      found: "the client's namespace",
    },
  ]);

  it("looks at the root's private rules, then its other rules, for a service in the root namespace", () => {
    const state = seedState([
      ...ROOT_CLIENT,
      catchAll({ trafficPolicy: { tls: MTLS } }, 'public'),
      catchAll({ trafficPolicy: { tls: PLAIN }, exportTo: ['.'] }, 'private'),
    ]);
    const index = new MeshIndex(state);
    const sleepInRoot = serviceIn(state, ROOT, 'sleep');
    const fromRootNs = selectDestinationRule(index, ROOT, sleepInRoot);
    assert.deepEqual(
      [fromRootNs?.rule.from.map((r) => r.metadata.name), fromRootNs?.step],
      [['private'], "the root namespace's rules exported only to itself"],
    );
    const fromFull = selectDestinationRule(index, 'full', sleepInRoot);
    assert.deepEqual(
      [fromFull?.rule.from.map((r) => r.metadata.name), fromFull?.step],
      [['public'], "the service's namespace"],
    );
  });
});

// istio/istio pilot/pkg/model/push_context_test.go TestSetDestinationRuleWithExportTo, its rules
// and cases as Istio writes them (hosts made three-label so automesh reads them as FQDNs, not as
// name.namespace: httpbin.org → httpbin.example.org, foo.app.org → foo.app.example.org,
// *.app.org → *.app.example.org). Istio's table asks for a host by (host, owning namespace),
// as ServiceEntries allow; destinationRuleForHost takes the same pair.
describe("Istio's own exportTo table (TestSetDestinationRuleWithExportTo)", () => {
  const HOST = 'httpbin.example.org';
  const APP_HOST = 'foo.app.example.org';
  const API_HOST = 'api.test.com';
  const subsets = (...names: string[]) => names.map((name) => ({ name }));
  const rules = [
    dr('test1', 'rule1', { host: HOST, exportTo: ['.', 'ns1'], subsets: subsets('subset1', 'subset2') }),
    dr('test2', 'rule2', {
      host: HOST,
      exportTo: ['test2', 'ns1', 'test1', 'newNS'],
      subsets: subsets('subset3', 'subset4'),
    }),
    dr('test3', 'rule3', {
      host: HOST,
      exportTo: ['test1', 'test2', '*'],
      subsets: subsets('subset5', 'subset6'),
    }),
    dr('test4', 'rule4-local', { host: HOST, exportTo: ['test4'], subsets: subsets('subset15', 'subset16') }),
    dr(ROOT, 'rule4', { host: HOST, subsets: subsets('subset7', 'subset8') }),
    dr(ROOT, 'rule1', { host: HOST, exportTo: ['.'], subsets: subsets('subset9', 'subset10') }),
    dr(ROOT, 'rule2', { host: '*.org', exportTo: ['.'], subsets: subsets('subset11', 'subset12') }),
    dr(ROOT, 'rule3', {
      host: '*.app.example.org',
      exportTo: ['.'],
      subsets: subsets('subset13', 'subset14'),
    }),
    dr('test5', 'rule5', { host: API_HOST, exportTo: [ROOT], subsets: subsets('subset5-0', 'subset5-1') }),
    dr('test6', 'rule6', { host: API_HOST, exportTo: [ROOT], subsets: subsets('subset6-0', 'subset6-1') }),
  ];
  const index = new MeshIndex(seedState(rules));
  const cases: [proxyNs: string, serviceNs: string, host: string, want: string[] | undefined][] = [
    ['test1', 'test1', HOST, ['subset1', 'subset2']],
    ['test1', 'test2', HOST, ['subset1', 'subset2']],
    ['test2', 'test1', HOST, ['subset3', 'subset4']],
    ['newNS', 'test2', HOST, ['subset3', 'subset4']],
    ['test3', 'test1', HOST, ['subset5', 'subset6']],
    ['test5', 'test4', HOST, ['subset7', 'subset8']],
    ['ns1', 'test1', HOST, ['subset1', 'subset2']],
    ['ns1', 'random', HOST, ['subset7', 'subset8']],
    ['random', 'random', HOST, ['subset7', 'subset8']],
    ['test3', 'random', HOST, ['subset5', 'subset6']],
    [ROOT, 'random', HOST, ['subset9', 'subset10']],
    [ROOT, ROOT, HOST, ['subset9', 'subset10']],
    [ROOT, ROOT, APP_HOST, ['subset13', 'subset14']],
    // "dr in the svc ns takes effect on proxy in root ns"
    [ROOT, 'test5', API_HOST, ['subset5-0', 'subset5-1']],
    [ROOT, 'test6', API_HOST, ['subset6-0', 'subset6-1']],
    // "both svc and dr namespace is not equal to proxy ns, the dr will not take effect on the proxy"
    [ROOT, 'test7', API_HOST, undefined],
  ];
  for (const [proxyNs, serviceNs, host, want] of cases) {
    it(`${proxyNs}-${serviceNs} ${host}`, () => {
      const found = destinationRuleForHost(index, proxyNs, host, serviceNs);
      assert.deepEqual(
        found?.rule.spec.subsets?.map((s) => s.name),
        want,
      );
    });
  }
});
