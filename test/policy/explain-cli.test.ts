// `automesh x explain` through the real CLI, on the seed's YAML (test/fixtures/explain).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli.js';

const DIR = resolve(REPO_ROOT, 'test/fixtures/explain');
const MESH = ['-f', `${DIR}/seed-mesh.yaml`];

interface Endpoint {
  workload: string;
  namespace: string;
  sidecar: boolean;
  serverMode: string;
  tls: string;
  reason: string;
  sni: string;
  sans: string[];
  outcome: string;
}

interface Explained {
  from: string;
  to: string;
  destinationRule: { rules: string[]; host: string; foundIn: string; trafficPolicyFrom: string } | null;
  endpoints: Endpoint[];
}

async function explainJson(args: string[]): Promise<Explained> {
  const result = await runCli(['x', 'explain', ...MESH, ...args, '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Explained;
}

describe('automesh x explain', () => {
  it('is listed by automesh x --help', async () => {
    const result = await runCli(['x', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^\s+explain\s/m);
  });

  // Phases 2 and 3 (and all six client/server pairs) run in-process in explain-route.test.ts.
  it("follows the seed's first and last phase for sleep.full → httpbin.full:8000", async () => {
    const route = ['--from', 'sleep.full', '--to', 'httpbin.full:8000', '-n', 'full'];
    const phases = await Promise.all([
      explainJson(route),
      explainJson([...route, '-f', `${DIR}/plaintext-policy.yaml`, '-f', `${DIR}/dr-mtls.yaml`]),
    ]);
    const seen = phases.map((p) => p.endpoints.map((e) => [e.serverMode, e.tls, e.reason, e.outcome]));
    assert.deepEqual(seen, [
      [
        [
          'PERMISSIVE',
          'ISTIO_MUTUAL',
          'auto mTLS: endpoint has a sidecar and its port 80 is PERMISSIVE (MeshPolicy default)',
          'works: mutual TLS',
        ],
      ],
      [
        [
          'DISABLE',
          'ISTIO_MUTUAL',
          'explicit: DestinationRule full/httpbin-full-mtls sets ISTIO_MUTUAL',
          'fails: 503 from the client sidecar (mTLS to a DISABLE port)',
        ],
      ],
    ]);
    const [first] = phases;
    assert.equal(first?.from, 'sleep.full');
    assert.equal(first?.to, 'httpbin.full:8000');
    assert.match(first?.endpoints[0]?.workload ?? '', /^httpbin-[0-9a-f]{10}-0$/);
    assert.equal(first?.endpoints[0]?.namespace, 'full');
    assert.equal(first?.endpoints[0]?.sidecar, true);
    assert.equal(first?.endpoints[0]?.sni, 'outbound_.8000_._.httpbin.full.svc.cluster.local');
    assert.deepEqual(first?.endpoints[0]?.sans, ['spiffe://cluster.local/ns/full/sa/httpbin']);
  });

  it('explains each endpoint of a partly migrated service in text, and honours --set', async () => {
    const [text, autoOff] = await Promise.all([
      runCli(['x', 'explain', ...MESH, '--from', 'sleep.full', '--to', 'httpbin.partial:8000']),
      explainJson([
        '--from',
        'sleep.full',
        '--to',
        'httpbin.partial.svc.cluster.local:8000',
        '--set',
        'values.global.mtls.auto=false',
      ]),
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^endpoint httpbin-[0-9a-f]{10}-0\.partial .*\n  sidecar:      yes\n  server mode:  PERMISSIVE \(MeshPolicy default\)\n  client TLS:   ISTIO_MUTUAL$/m,
    );
    assert.match(
      text.stdout,
      /^endpoint httpbin-nosidecar-[0-9a-f]{10}-0\.partial .*\n  sidecar:      no\n.*\n  client TLS:   DISABLE\n  because:      auto mTLS: endpoint has no sidecar$/m,
    );
    assert.deepEqual(
      autoOff.endpoints.map((e) => [e.tls, e.reason]),
      [
        ['DISABLE', 'auto mTLS off and no DestinationRule TLS: plaintext'],
        ['DISABLE', 'auto mTLS off and no DestinationRule TLS: plaintext'],
      ],
    );
  });

  // behaviour.md client step 1; Istio: destination_rule.go mergeDestinationRule, push_context.go
  // destinationRule. Table tests of the rules themselves: destination-rule-selection.test.ts.
  it('names the DestinationRules it merged, and the one the tls came from', async () => {
    const route = [
      '--from',
      'sleep.full',
      '--to',
      'httpbin.full:8000',
      '-n',
      'full',
      '-f',
      `${DIR}/dr-split.yaml`,
    ];
    const [json, text] = await Promise.all([explainJson(route), runCli(['x', 'explain', ...MESH, ...route])]);
    assert.deepEqual(json.destinationRule, {
      rules: ['full/httpbin-subsets', 'full/httpbin-tls'],
      host: 'httpbin',
      foundIn: "the client's namespace",
      trafficPolicyFrom: 'full/httpbin-tls',
    });
    assert.deepEqual(
      json.endpoints.map((e) => [e.tls, e.reason]),
      [
        [
          'DISABLE',
          'explicit: DestinationRule full/httpbin-tls sets DISABLE (merged with full/httpbin-subsets)',
        ],
      ],
    );
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^rule: {6}DestinationRules full\/httpbin-subsets \+ full\/httpbin-tls, merged \(host httpbin, found in the client's namespace; trafficPolicy from full\/httpbin-tls\)$/m,
    );
  });

  it("for a client in the root namespace, uses the service's rule before the root's catch-all", async () => {
    const route = [
      '--from',
      'sleep.istio-system',
      '--to',
      'httpbin.full:8000',
      '-f',
      `${DIR}/root-client.yaml`,
    ];
    const [json, text] = await Promise.all([explainJson(route), runCli(['x', 'explain', ...MESH, ...route])]);
    assert.deepEqual(json.destinationRule, {
      rules: ['full/httpbin'],
      host: 'httpbin',
      foundIn: "the service's namespace",
      trafficPolicyFrom: 'full/httpbin',
    });
    assert.deepEqual(
      json.endpoints.map((e) => e.tls),
      ['ISTIO_MUTUAL'],
    );
    assert.match(
      text.stdout,
      /^rule: {6}DestinationRule full\/httpbin \(host httpbin, found in the service's namespace\)$/m,
    );
    const other = await explainJson([
      '--from',
      'sleep.full',
      '--to',
      'httpbin.legacy:8000',
      '-f',
      `${DIR}/root-client.yaml`,
    ]);
    assert.deepEqual(
      [other.destinationRule?.rules, other.destinationRule?.foundIn, other.endpoints.map((e) => e.reason)],
      [
        ['istio-system/default'],
        'the root namespace',
        ['explicit: DestinationRule istio-system/default sets DISABLE'],
      ],
    );
  });

  it('says when no rule applies, and when the client has no sidecar to apply one', async () => {
    const [none, noSidecar, json] = await Promise.all([
      runCli(['x', 'explain', ...MESH, '--from', 'sleep.full', '--to', 'httpbin.full:8000']),
      runCli([
        'x',
        'explain',
        ...MESH,
        '--from',
        'sleep.legacy',
        '--to',
        'httpbin.full:8000',
        '-f',
        `${DIR}/dr-mtls.yaml`,
        '-n',
        'full',
      ]),
      explainJson(['--from', 'sleep.full', '--to', 'httpbin.full:8000']),
    ]);
    assert.match(
      none.stdout,
      /^rule: {6}none: no DestinationRule for this host is visible from namespace full$/m,
    );
    assert.match(noSidecar.stdout, /^rule: {6}none: the client has no sidecar to apply one$/m);
    assert.equal(json.destinationRule, null);
  });

  it('reports bad input clearly, with a non-zero exit', async () => {
    const cases: [string[], RegExp][] = [
      [
        [...MESH, '-f', `${DIR}/bad-policy.yaml`, '--from', 'sleep.full', '--to', 'httpbin:8000'],
        /^error: .*bad-policy\.yaml: document 1 \(Policy\/httpbin\): spec\.peers\[0\]\.mtls\.mode: expected STRICT or PERMISSIVE, got "STRICTT"/m,
      ],
      [
        [...MESH, '--from', 'sleep.full', '--to', 'httpbin:8000', '--set', 'values.global.mtls.autoo=true'],
        /^error: --set values\.global\.mtls\.autoo: unknown key/m,
      ],
      [
        [...MESH, '--from', 'sleep', '--to', 'httpbin:8000'],
        /^error: --from "sleep": expected WORKLOAD\.NAMESPACE/m,
      ],
      [
        [...MESH, '--from', 'sleep.full', '--to', 'httpbin:9999'],
        /^error: --to "httpbin:9999": service full\/httpbin has no port 9999 \(ports: 8000\)/m,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['x', 'explain', ...args])));
    results.forEach((result, i) => {
      assert.equal(result.code, 1, `case ${i}: ${result.stdout}`);
      assert.match(result.stderr, cases[i]![1]);
    });
  });
});
