import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatPath, formatProblem } from '../../src/api/problem.js';

describe('formatProblem', () => {
  const cases: [string, Parameters<typeof formatProblem>[0], string][] = [
    [
      'a field problem with kind, name and position',
      {
        document: 2,
        kind: 'Policy',
        name: 'httpbin',
        path: 'spec.peers[0].mtls.mode',
        message: 'expected STRICT or PERMISSIVE, got "STRICTT"',
        line: 9,
        column: 15,
      },
      'document 2 (Policy/httpbin): spec.peers[0].mtls.mode: expected STRICT or PERMISSIVE, got "STRICTT" (line 9, column 15)',
    ],
    [
      'a problem of the whole document without kind',
      {
        document: 1,
        path: '',
        message: 'YAML syntax error: Tabs are not allowed as indentation',
        line: 3,
        column: 1,
        source: 'bad.yaml',
      },
      'bad.yaml: document 1: YAML syntax error: Tabs are not allowed as indentation (line 3, column 1)',
    ],
    [
      'a problem with a kind but no name and no position',
      { document: 4, kind: 'Widget', path: 'kind', message: 'unknown kind "Widget"' },
      'document 4 (Widget): kind: unknown kind "Widget"',
    ],
  ];
  for (const [what, problem, expected] of cases) {
    it(`formats ${what}`, () => assert.equal(formatProblem(problem), expected));
  }
});

describe('formatPath', () => {
  it('writes keys with dots, indexes in brackets and quotes odd keys', () => {
    assert.equal(formatPath(['spec', 'peers', 0, 'mtls', 'mode']), 'spec.peers[0].mtls.mode');
    assert.equal(
      formatPath(['metadata', 'labels', 'security.istio.io/tlsMode']),
      'metadata.labels["security.istio.io/tlsMode"]',
    );
    assert.equal(formatPath(['spec', 'portLevelMtls', '8080', 'mode']), 'spec.portLevelMtls["8080"].mode');
    assert.equal(formatPath([]), '');
  });
});
