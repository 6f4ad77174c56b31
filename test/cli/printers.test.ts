import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration, formatAge } from '../../src/api/age.js';
import { formatTable } from '../../src/cli/output/table.js';
import { parseOutputFormat } from '../../src/cli/output/output-format.js';
import { printGroups, printResources, type PrintOptions } from '../../src/cli/output/print-resources.js';
import type { ResourceType } from '../../src/cli/output/resource-type.js';
import type { AnyObject } from '../../src/api/table-columns.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();

const POD: ResourceType = { kind: 'Pod', group: '', plural: 'pods', namespaced: true };
const DEPLOY: ResourceType = { kind: 'Deployment', group: 'apps', plural: 'deployments', namespaced: true };
const SVC: ResourceType = { kind: 'Service', group: '', plural: 'services', namespaced: true };
const EP: ResourceType = { kind: 'Endpoints', group: '', plural: 'endpoints', namespaced: true };
const NS: ResourceType = { kind: 'Namespace', group: '', plural: 'namespaces', namespaced: false };
const POLICY: ResourceType = {
  kind: 'Policy',
  group: 'authentication.istio.io',
  plural: 'policies',
  namespaced: true,
};
const MESH_POLICY: ResourceType = {
  ...POLICY,
  kind: 'MeshPolicy',
  plural: 'meshpolicies',
  namespaced: false,
};
const DR: ResourceType = {
  kind: 'DestinationRule',
  group: 'networking.istio.io',
  plural: 'destinationrules',
  namespaced: true,
};

function pod(name: string, ns: string, ageS: number, containers: boolean[], ip = '127.0.1.5'): AnyObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, creationTimestamp: ago(ageS) },
    spec: { containers: containers.map((_, i) => ({ name: `c${i}`, image: 'x' })), nodeName: 'local' },
    status: {
      phase: 'Running',
      podIP: ip,
      containerStatuses: containers.map((ready, i) => ({ name: `c${i}`, ready, restartCount: 0, state: {} })),
    },
  };
}

const table = (): PrintOptions => ({
  format: { type: 'table', wide: false },
  allNamespaces: false,
  namespace: 'full',
  single: false,
  nowMs: NOW,
});

describe('AGE', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [39, '39s'],
    [59, '59s'],
    [60, '1m'],
    [150, '2m'],
    [3599, '59m'],
    [7200, '2h'],
    [7200 + 1800, '2h'],
    [30 * 3600, '1d'],
    [5 * 86400 + 3 * 3600, '5d'],
    [364 * 86400, '364d'],
    [3 * 365 * 86400, '3y'],
  ];
  for (const [seconds, text] of cases) {
    it(`prints ${seconds}s as ${text}`, () => assert.equal(humanDuration(seconds * 1000), text));
  }
  it('tolerates a clock one second behind and flags worse', () => {
    assert.equal(humanDuration(-999), '0s');
    assert.equal(humanDuration(-3000), '<invalid>');
    assert.equal(formatAge(undefined, NOW), '<unknown>');
  });
});

describe('table layout', () => {
  it('pads every column but the last to its widest cell plus three spaces', () => {
    assert.equal(
      formatTable(
        ['NAME', 'AGE'],
        [
          ['a-long-name', '5s'],
          ['b', '10m'],
        ],
      ),
      'NAME          AGE\na-long-name   5s\nb             10m\n',
    );
  });
});

describe('get printers', () => {
  it('prints pods as kubectl does, with READY 2/2 for a sidecar and 1/1 without', () => {
    const pods = [
      pod('httpbin-dcd949489-5cndk', 'full', 39, [true, true]),
      pod('sleep-74564b477b-vb6h4', 'full', 4, [true]),
    ];
    assert.equal(
      printResources(POD, pods, table()).stdout,
      [
        'NAME                      READY   STATUS    RESTARTS   AGE',
        'httpbin-dcd949489-5cndk   2/2     Running   0          39s',
        'sleep-74564b477b-vb6h4    1/1     Running   0          4s',
        '',
      ].join('\n'),
    );
  });

  it('shows a waiting reason and sums restarts', () => {
    const p = pod('web-1', 'full', 10, [false, true]);
    (p.status as { containerStatuses: { state: unknown; restartCount: number }[] }).containerStatuses[0] = {
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      restartCount: 3,
    };
    assert.match(printResources(POD, [p], table()).stdout, /web-1 {3}1\/2 {5}CrashLoopBackOff {3}3 {10}10s/);
  });

  it('takes STATUS from the first container with a reason, else the phase', () => {
    const withStates = (states: unknown[], phase = 'Running'): AnyObject => {
      const p = pod(
        'web-1',
        'full',
        10,
        states.map(() => false),
      );
      const status = p.status as { phase: string; containerStatuses: { state: unknown }[] };
      status.phase = phase;
      states.forEach((state, i) => (status.containerStatuses[i]!.state = state));
      return p;
    };
    const status = (o: AnyObject): string =>
      printResources(POD, [o], table()).stdout.split('\n')[1]!.split(/ {3,}/)[2]!;
    assert.equal(
      status(withStates([{ waiting: { reason: 'ContainerCreating' } }], 'Pending')),
      'ContainerCreating',
    );
    assert.equal(status(withStates([{ running: {} }, { terminated: { exitCode: 2 } }])), 'ExitCode:2');
    assert.equal(
      status(
        withStates([
          { waiting: { reason: 'CrashLoopBackOff' } },
          { waiting: { reason: 'ImagePullBackOff' } },
        ]),
      ),
      'CrashLoopBackOff',
    );
    assert.equal(status(withStates([{ running: {} }])), 'Running');
  });

  it('adds IP and NODE with -o wide', () => {
    const out = printResources(POD, [pod('web-1', 'full', 10, [true], '127.0.1.9')], {
      ...table(),
      format: { type: 'table', wide: true },
    }).stdout;
    assert.equal(
      out.split('\n')[0],
      'NAME    READY   STATUS    RESTARTS   AGE   IP          NODE    NOMINATED NODE   READINESS GATES',
    );
    assert.equal(
      out.split('\n')[1],
      'web-1   1/1     Running   0          10s   127.0.1.9   local   <none>           <none>',
    );
  });

  it('leads with NAMESPACE across namespaces (the seed policy listing)', () => {
    const policy = {
      metadata: {
        name: 'grafana-ports-mtls-disabled',
        namespace: 'istio-system',
        creationTimestamp: ago(7300),
      },
    };
    assert.equal(
      printResources(POLICY, [policy], { ...table(), allNamespaces: true, namespace: undefined }).stdout,
      'NAMESPACE      NAME                          AGE\nistio-system   grafana-ports-mtls-disabled   2h\n',
    );
  });

  it('prints services, deployments, namespaces, endpoints and destination rules with their columns', () => {
    const svc = {
      metadata: { name: 'httpbin', creationTimestamp: ago(50) },
      spec: { clusterIP: '10.96.0.12', ports: [{ port: 8000, name: 'http' }], selector: { app: 'httpbin' } },
    };
    assert.equal(
      printResources(SVC, [svc], table()).stdout,
      'NAME      TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)    AGE\nhttpbin   ClusterIP   10.96.0.12   <none>        8000/TCP   50s\n',
    );
    const deploy = {
      metadata: { name: 'httpbin', creationTimestamp: ago(50) },
      spec: { replicas: 1, template: { spec: { containers: [] } } },
      status: { readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 },
    };
    assert.equal(
      printResources(DEPLOY, [deploy], table()).stdout,
      'NAME      READY   UP-TO-DATE   AVAILABLE   AGE\nhttpbin   1/1     1            1           50s\n',
    );
    const ns = { metadata: { name: 'full', creationTimestamp: ago(5) }, status: { phase: 'Active' } };
    assert.equal(printResources(NS, [ns], table()).stdout, 'NAME   STATUS   AGE\nfull   Active   5s\n');
    const ep = {
      metadata: { name: 'httpbin', creationTimestamp: ago(5) },
      subsets: [
        { addresses: ['1', '2', '3', '4'].map((n) => ({ ip: `127.0.1.${n}` })), ports: [{ port: 80 }] },
      ],
    };
    assert.equal(
      printResources(EP, [ep], table()).stdout,
      'NAME      ENDPOINTS                                            AGE\nhttpbin   127.0.1.1:80,127.0.1.2:80,127.0.1.3:80 + 1 more...   5s\n',
    );
    const dr = {
      metadata: { name: 'x', creationTimestamp: ago(5) },
      spec: { host: 'httpbin.full.svc.cluster.local' },
    };
    assert.equal(
      printResources(DR, [dr], table()).stdout,
      'NAME   HOST                             AGE\nx      httpbin.full.svc.cluster.local   5s\n',
    );
  });

  it('drops the header with --no-headers and adds LABELS with --show-labels', () => {
    const p = pod('web-1', 'full', 10, [true]);
    (p.metadata as { labels?: Record<string, string> }).labels = { app: 'web', version: 'v1' };
    const out = printResources(POD, [p], { ...table(), noHeaders: true, showLabels: true }).stdout;
    assert.equal(out, 'web-1   1/1     Running   0          10s   app=web,version=v1\n');
  });

  it('says No resources found on stderr for an empty list, in the namespace or across all', () => {
    assert.deepEqual(printResources(POD, [], table()), {
      stdout: '',
      stderr: 'No resources found in full namespace.\n',
    });
    assert.deepEqual(printResources(POD, [], { ...table(), allNamespaces: true, namespace: undefined }), {
      stdout: '',
      stderr: 'No resources found\n',
    });
  });

  it('prints a List in yaml whose mode line is indented as kubectl indents it', () => {
    const mesh = {
      apiVersion: 'authentication.istio.io/v1alpha1',
      kind: 'MeshPolicy',
      metadata: { name: 'default', creationTimestamp: ago(5) },
      spec: { peers: [{ mtls: { mode: 'PERMISSIVE' } }] },
    };
    const out = printResources(MESH_POLICY, [mesh], { ...table(), format: { type: 'yaml' } }).stdout;
    assert.deepEqual(
      out.split('\n').filter((l) => l.includes(' mode')),
      ['        mode: PERMISSIVE'],
    );
    assert.ok(out.startsWith('apiVersion: v1\nitems:\n- apiVersion: authentication.istio.io/v1alpha1\n'));
    assert.ok(out.endsWith('kind: List\nmetadata:\n  resourceVersion: ""\n'));
    assert.match(out, /creationTimestamp: "\d{4}-/);
  });

  it('indents a destination rule host by four spaces in a yaml List', () => {
    const dr = {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'DestinationRule',
      metadata: { name: 'a' },
      spec: { host: 'istio-policy.istio-system.svc.cluster.local' },
    };
    const out = printResources(DR, [dr], { ...table(), format: { type: 'yaml' } }).stdout;
    assert.deepEqual(
      out.split('\n').filter((l) => l.includes('host:')),
      ['    host: istio-policy.istio-system.svc.cluster.local'],
    );
  });

  it('prints one named object bare, and json with four-space indentation', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'full' } };
    const out = printResources(NS, [ns], { ...table(), single: true, format: { type: 'json' } }).stdout;
    assert.equal(
      out,
      '{\n    "apiVersion": "v1",\n    "kind": "Namespace",\n    "metadata": {\n        "name": "full"\n    }\n}\n',
    );
  });

  it('prints kind/name with -o name, group-qualified like kubectl', () => {
    const named = (n: string): AnyObject => ({ metadata: { name: n } });
    const opts = { ...table(), format: { type: 'name' as const } };
    assert.equal(printResources(POD, [named('a'), named('b')], opts).stdout, 'pod/a\npod/b\n');
    assert.equal(printResources(DEPLOY, [named('httpbin')], opts).stdout, 'deployment.apps/httpbin\n');
    assert.equal(
      printResources(POLICY, [named('httpbin')], opts).stdout,
      'policy.authentication.istio.io/httpbin\n',
    );
  });

  it('evaluates -o jsonpath over the List', () => {
    const pods = [
      pod('sleep-1', 'full', 1, [true, true], '127.0.1.2'),
      pod('sleep-2', 'full', 1, [true], '127.0.1.3'),
    ];
    const opts = { ...table(), format: parseOutputFormat('jsonpath={.items..metadata.name}') };
    assert.equal(printResources(POD, pods, opts).stdout, 'sleep-1 sleep-2');
  });
});

describe('output format flag', () => {
  it('accepts the documented formats and jsonpath with shell quotes kept', () => {
    assert.deepEqual(parseOutputFormat(undefined), { type: 'table', wide: false });
    assert.deepEqual(parseOutputFormat('wide'), { type: 'table', wide: true });
    assert.deepEqual(parseOutputFormat('yaml'), { type: 'yaml' });
    assert.deepEqual(parseOutputFormat("jsonpath='{.a}'"), { type: 'jsonpath', template: '{.a}' });
    assert.deepEqual(parseOutputFormat('jsonpath={.a}'), { type: 'jsonpath', template: '{.a}' });
  });
  it('rejects an unknown format naming it', () => {
    assert.throws(
      () => parseOutputFormat('xml'),
      /output format "xml", allowed formats are: json, yaml, name, jsonpath, wide/,
    );
  });
});

describe('several kinds at once (get svc,deploy)', () => {
  const svc = {
    metadata: { name: 'httpbin', creationTimestamp: ago(50) },
    spec: { ports: [{ port: 8000 }] },
  };
  const deploy = {
    metadata: { name: 'httpbin', creationTimestamp: ago(50) },
    spec: { replicas: 1 },
    status: {},
  };

  it('prints one table per kind with kind/name, separated by a blank line', () => {
    const out = printGroups(
      [
        { type: SVC, objects: [svc] },
        { type: POD, objects: [] },
        { type: DEPLOY, objects: [deploy] },
      ],
      table(),
    ).stdout;
    assert.equal(
      out,
      [
        'NAME              TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)    AGE',
        'service/httpbin   ClusterIP   <none>       <none>        8000/TCP   50s',
        '',
        'NAME                      READY   UP-TO-DATE   AVAILABLE   AGE',
        'deployment.apps/httpbin   0/1     0            0           50s',
        '',
      ].join('\n'),
    );
  });

  it('puts every kind into one List for yaml and says No resources found when all are empty', () => {
    const yaml = printGroups(
      [
        { type: SVC, objects: [svc] },
        { type: DEPLOY, objects: [deploy] },
      ],
      { ...table(), format: { type: 'yaml' } },
    ).stdout;
    assert.equal(yaml.match(/^- /gm)?.length, 2);
    assert.deepEqual(
      printGroups(
        [
          { type: SVC, objects: [] },
          { type: DEPLOY, objects: [] },
        ],
        table(),
      ),
      { stdout: '', stderr: 'No resources found in full namespace.\n' },
    );
  });
});
