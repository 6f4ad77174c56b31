import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evalJsonPath, JsonPathError } from '../../src/cli/output/jsonpath.js';

const LIST = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      kind: 'Pod',
      metadata: { name: 'sleep-1', labels: { app: 'sleep', 'security.istio.io/tlsMode': 'istio' } },
      spec: { containers: [{ name: 'sleep', ports: [{ containerPort: 80 }] }, { name: 'istio-proxy' }] },
      status: { phase: 'Running', podIP: '127.0.1.2' },
    },
    {
      kind: 'Pod',
      metadata: { name: 'sleep-2', labels: { app: 'sleep' } },
      spec: { containers: [{ name: 'sleep' }] },
      status: { phase: 'Pending' },
    },
  ],
};

describe('jsonpath', () => {
  const cases: [string, unknown, string][] = [
    ['{.items..metadata.name}', LIST, 'sleep-1 sleep-2'],
    ['{.items[0].metadata.name}', LIST, 'sleep-1'],
    ['{.items[-1].metadata.name}', LIST, 'sleep-2'],
    ['{.items[*].status.podIP}', LIST, '127.0.1.2'],
    ['{.items[*].metadata.name}', LIST, 'sleep-1 sleep-2'],
    ['{.items[0:1].metadata.name}', LIST, 'sleep-1'],
    ['{.metadata.name}', LIST.items[0], 'sleep-1'],
    ['name={.metadata.name} ip={.status.podIP}!', LIST.items[0], 'name=sleep-1 ip=127.0.1.2!'],
    ['{range .items[*]}{.metadata.name}{"\\n"}{end}', LIST, 'sleep-1\nsleep-2\n'],
    ['{range .items[*]}[{.metadata.name}:{.status.phase}]{end}', LIST, '[sleep-1:Running][sleep-2:Pending]'],
    ['{.items[?(@.status.phase=="Running")].metadata.name}', LIST, 'sleep-1'],
    ['{.items[?(@.status.podIP)].metadata.name}', LIST, 'sleep-1'],
    ["{.items[0].metadata.labels['security.istio.io/tlsMode']}", LIST, 'istio'],
    ['{.items[0].metadata.labels.security\\.istio\\.io/tlsMode}', LIST, 'istio'],
    ['{.items[0].spec.containers[*].name}', LIST, 'sleep istio-proxy'],
    ['{..containerPort}', LIST, '80'],
    ['{.items[0].metadata.labels}', LIST, '{"app":"sleep","security.istio.io/tlsMode":"istio"}'],
    ['{.items[*].status.nothere}', LIST, ''],
    ['{$.kind}', LIST, 'List'],
    ['plain text', LIST, 'plain text'],
  ];
  for (const [template, data, expected] of cases) {
    it(`prints ${JSON.stringify(expected)} for ${template}`, () => {
      assert.equal(evalJsonPath(template, data), expected);
    });
  }

  it('prints nothing for recursive descent over an empty list', () => {
    assert.equal(evalJsonPath('{.items..metadata.name}', { items: [] }), '');
  });

  it('rejects an index past the end as kubectl does', () => {
    assert.throws(
      () => evalJsonPath('{.items[0].metadata.name}', { items: [] }),
      (e: unknown) =>
        e instanceof JsonPathError && /array index out of bounds: index 0, length 0/.test(e.message),
    );
  });

  it('rejects malformed templates', () => {
    assert.throws(() => evalJsonPath('{.items', LIST), /unclosed action/);
    assert.throws(() => evalJsonPath('{range .items[*]}{.a}', LIST), /unclosed range/);
    assert.throws(() => evalJsonPath('{end}', LIST), /not in range/);
  });
});
