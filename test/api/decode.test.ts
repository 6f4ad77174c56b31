import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeManifests, decodeObject } from '../../src/api/decode.js';
import { formatProblem } from '../../src/api/problem.js';
import type { Problem } from '../../src/api/problem.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function summary(problems: Problem[]): string {
  return problems.map(formatProblem).join('\n');
}

describe('decodeManifests: the seed walkthrough', () => {
  const { resources, problems } = decodeManifests(fixture('seed.yaml'), 'seed.yaml');

  it('decodes all four documents with no problem', () => {
    assert.equal(summary(problems), '');
    assert.deepEqual(
      resources.map((r) => `${r.apiVersion} ${r.kind}/${r.metadata.name}`),
      [
        'extensions/v1beta1 Deployment/httpbin-nosidecar',
        'authentication.istio.io/v1alpha1 Policy/httpbin',
        'authentication.istio.io/v1alpha1 Policy/httpbin',
        'networking.istio.io/v1alpha3 DestinationRule/httpbin-full-mtls',
      ],
    );
  });

  it('keeps the extensions/v1beta1 Deployment exactly as written (no selector added)', () => {
    assert.deepEqual(resources[0], {
      apiVersion: 'extensions/v1beta1',
      kind: 'Deployment',
      metadata: { name: 'httpbin-nosidecar' },
      spec: {
        replicas: 1,
        template: {
          metadata: { labels: { app: 'httpbin', version: 'nosidecar' } },
          spec: {
            containers: [
              {
                image: 'docker.io/kennethreitz/httpbin',
                imagePullPolicy: 'IfNotPresent',
                name: 'httpbin',
                ports: [{ containerPort: 80 }],
              },
            ],
          },
        },
      },
    });
  });

  it('keeps `peers: - mtls: {}` and a Policy with only targets as written', () => {
    assert.deepEqual(resources[1]?.kind === 'Policy' && resources[1].spec, {
      targets: [{ name: 'httpbin' }],
      peers: [{ mtls: {} }],
    });
    assert.deepEqual(resources[2]?.kind === 'Policy' && resources[2].spec, {
      targets: [{ name: 'httpbin' }],
    });
  });

  it('keeps the DestinationRule as written', () => {
    assert.deepEqual(resources[3]?.kind === 'DestinationRule' && resources[3].spec, {
      host: 'httpbin.full.svc.cluster.local',
      trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
    });
  });
});

describe('decodeManifests: Istio sample shapes', () => {
  const cases: [string, string[]][] = [
    ['istio-httpbin.yaml', ['ServiceAccount/httpbin', 'Service/httpbin', 'Deployment/httpbin']],
    ['istio-sleep.yaml', ['ServiceAccount/sleep', 'Service/sleep', 'Deployment/sleep']],
    ['kube-injected.yaml', ['Deployment/httpbin']],
  ];
  for (const [file, expected] of cases) {
    it(`decodes ${file} with no problem`, () => {
      const { resources, problems } = decodeManifests(fixture(file), file);
      assert.equal(summary(problems), '');
      assert.deepEqual(
        resources.map((r) => `${r.kind}/${r.metadata.name}`),
        expected,
      );
    });
  }

  it('keeps sleep command, volumes and termination grace period', () => {
    const sleep = decodeManifests(fixture('istio-sleep.yaml')).resources[2];
    assert.ok(sleep?.kind === 'Deployment');
    const spec = sleep.spec.template.spec;
    assert.deepEqual(spec.containers[0]?.command, ['/bin/sleep', '3650d']);
    assert.equal(spec.terminationGracePeriodSeconds, 0);
    assert.deepEqual(spec.volumes, [
      { name: 'secret-volume', secret: { secretName: 'sleep-secret', optional: true } },
    ]);
  });

  it('reads the kube-inject sidecar label and drops null timestamps', () => {
    const injected = decodeManifests(fixture('kube-injected.yaml')).resources[0];
    assert.ok(injected?.kind === 'Deployment');
    assert.equal(injected.spec.template.metadata?.labels?.['security.istio.io/tlsMode'], 'istio');
    assert.equal('creationTimestamp' in injected.metadata, false);
    assert.equal(injected.spec.template.spec.containers[1]?.env?.[0]?.valueFrom !== undefined, true);
  });
});

describe('decodeManifests: documents, comments and lists', () => {
  it('skips comments and empty documents, and numbers documents as separated by ---', () => {
    const text = [
      '# leading comment',
      '---',
      '---',
      '# only a comment',
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: full # trailing comment',
      '---',
      'apiVersion: v1',
      'kind: Namespace',
      'metadata:',
      '  name: Bad_Name',
      '---',
      '',
    ].join('\n');
    const { resources, problems } = decodeManifests(text);
    assert.deepEqual(
      resources.map((r) => r.metadata.name),
      ['full'],
    );
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.document, 4);
    assert.equal(problems[0]?.path, 'metadata.name');
    assert.equal(problems[0]?.line, 14);
  });

  it('expands kind: List and typed lists, inferring kind and apiVersion of typed list items', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: Namespace',
      '  metadata: {name: full}',
      '- apiVersion: v1',
      '  kind: ServiceAccount',
      '  metadata: {name: sleep, namespace: full}',
      '---',
      'apiVersion: v1',
      'kind: NamespaceList',
      'metadata: {resourceVersion: "7"}',
      'items:',
      '- metadata: {name: legacy}',
      '- metadata: {name: partial}',
    ].join('\n');
    const { resources, problems } = decodeManifests(text);
    assert.equal(summary(problems), '');
    assert.deepEqual(
      resources.map((r) => `${r.kind}/${r.metadata.name}`),
      ['Namespace/full', 'ServiceAccount/sleep', 'Namespace/legacy', 'Namespace/partial'],
    );
  });

  it('treats a List without items as empty and refuses items that are not a list', () => {
    assert.deepEqual(decodeManifests('apiVersion: v1\nkind: List\nitems: []\n'), {
      resources: [],
      problems: [],
    });
    assert.deepEqual(decodeManifests('apiVersion: v1\nkind: PodList\nmetadata: {}\n'), {
      resources: [],
      problems: [],
    });
    const { problems } = decodeManifests('apiVersion: v1\nkind: List\nitems: {a: 1}\n');
    assert.equal(problems[0]?.path, 'items');
    assert.equal(problems[0]?.message, 'expected a list, got a map');
    const unknown = decodeManifests('apiVersion: v1\nkind: WidgetList\nitems: []\n').problems;
    assert.match(unknown[0]?.message ?? '', /unknown kind "WidgetList"/);
  });

  it('reports a problem inside a List item with the item path and position', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: Namespace',
      '  metadata: {name: ok}',
      '- apiVersion: v1',
      '  kind: Service',
      '  metadata: {name: svc}',
      '  spec: {ports: [{port: 0}]}',
    ].join('\n');
    const { resources, problems } = decodeManifests(text);
    assert.equal(resources.length, 1);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, 'items[1].spec.ports[0].port');
    assert.equal(problems[0]?.kind, 'Service');
    assert.equal(problems[0]?.name, 'svc');
    assert.equal(problems[0]?.line, 10);
  });

  it('reads JSON text too (JSON is YAML)', () => {
    const { resources, problems } = decodeManifests(
      '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "full"}}',
    );
    assert.deepEqual(problems, []);
    assert.equal(resources[0]?.metadata.name, 'full');
  });

  it('reports the index, kind and name of the one bad document among good ones', () => {
    const text = [
      fixture('istio-httpbin.yaml'),
      '---',
      'apiVersion: authentication.istio.io/v1alpha1',
      'kind: Policy',
      'metadata:',
      '  name: httpbin',
      'spec:',
      '  targets:',
      '  - name: httpbin',
      '  peers:',
      '  - mtls:',
      '      mode: STRICTT',
    ].join('\n');
    const { resources, problems } = decodeManifests(text, 'mesh.yaml');
    assert.equal(resources.length, 3);
    assert.equal(problems.length, 1);
    assert.equal(
      formatProblem(problems[0]!),
      'mesh.yaml: document 4 (Policy/httpbin): spec.peers[0].mtls.mode: expected STRICT or PERMISSIVE, got "STRICTT" (line 61, column 13)',
    );
  });
});

describe('decodeManifests: positions of problems', () => {
  const text = [
    'apiVersion: networking.istio.io/v1alpha3', // 1
    'kind: DestinationRule', // 2
    'metadata:', // 3
    '  name: httpbin', // 4
    'spec:', // 5
    '  trafficPolicy:', // 6
    '    tls:', // 7
    '      mode: MUTUAL', // 8
    '      clientCertificate: /etc/certs/cert.pem', // 9
    '      sans: [a]', // 10
  ].join('\n');
  const { problems } = decodeManifests(text);
  const at = (path: string): Problem | undefined => problems.find((p) => p.path === path);

  it('points an unknown field at its key', () => {
    assert.deepEqual(
      [at('spec.trafficPolicy.tls.sans')?.line, at('spec.trafficPolicy.tls.sans')?.column],
      [10, 7],
    );
  });

  it('points a missing required field at the object that lacks it', () => {
    assert.deepEqual([at('spec.host')?.line, at('spec.host')?.column], [6, 3]);
    assert.deepEqual(
      [at('spec.trafficPolicy.tls.privateKey')?.line, at('spec.trafficPolicy.tls.privateKey')?.column],
      [8, 7],
    );
  });

  it('points a bad value at the value', () => {
    const { problems: bad } = decodeManifests(
      'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - port: 0\n',
    );
    assert.deepEqual([bad[0]?.path, bad[0]?.line, bad[0]?.column], ['spec.ports[0].port', 6, 11]);
  });
});

describe('decodeManifests: YAML syntax errors', () => {
  const cases: [string, string, number, number, RegExp][] = [
    [
      'an unclosed flow sequence',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  labels: [a\n',
      1,
      5,
      /YAML syntax error: /,
    ],
    ['a duplicate key', 'apiVersion: v1\nkind: Namespace\nkind: Pod\n', 1, 3, /Map keys must be unique/],
    ['a tab used as indentation', 'apiVersion: v1\nmetadata:\n\tname: x\n', 1, 3, /Tabs are not allowed/],
    [
      'bad indentation in the second document',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\na:\n  b: 1\n c: 2\n',
      2,
      7,
      /YAML syntax error/,
    ],
  ];
  for (const [what, text, document, line, message] of cases) {
    it(`reports ${what} with its document and line`, () => {
      const { problems } = decodeManifests(text, 'bad.yaml');
      const problem = problems[0];
      assert.ok(problem, 'expected a problem');
      assert.equal(problem.document, document);
      assert.equal(problem.line, line);
      assert.match(problem.message, message);
      assert.equal(problem.path, '');
      assert.doesNotMatch(problem.message, /\n/);
    });
  }
});

describe('decodeObject (JSON bodies)', () => {
  it('decodes a valid object', () => {
    const { resource, problems } = decodeObject(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'full' } },
      { document: 1 },
    );
    assert.deepEqual(problems, []);
    assert.equal(resource?.metadata.name, 'full');
  });

  it('returns problems without positions, numbered by the given document', () => {
    const { resource, problems } = decodeObject(
      {
        apiVersion: 'security.istio.io/v1beta1',
        kind: 'PeerAuthentication',
        metadata: { name: 'x' },
        spec: { mtls: { mode: 'strict' } },
      },
      { document: 3 },
    );
    assert.equal(resource, undefined);
    assert.deepEqual(problems, [
      {
        document: 3,
        kind: 'PeerAuthentication',
        name: 'x',
        path: 'spec.mtls.mode',
        message: 'expected UNSET, DISABLE, PERMISSIVE or STRICT, got "strict"',
      },
    ]);
  });

  it('refuses a value that is not an object', () => {
    const { problems } = decodeObject(['a'], { document: 1 });
    assert.match(problems[0]?.message ?? '', /expected a Kubernetes object .* got a list/);
  });
});
