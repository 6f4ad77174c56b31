// The seed's four phases from its YAML (test/fixtures/explain), decoded as the CLI decodes them,
// explained in-process; and the outcome each TLS choice leads to.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeManifests } from '../../src/api/index.js';
import type { Resource } from '../../src/api/index.js';
import {
  expectedOutcome,
  explainRoute,
  meshDefaults,
  meshStateFromResources,
  serviceForHost,
  workloadsNamed,
} from '../../src/policy/index.js';
import { REPO_ROOT } from '../support/cli.js';

const DIR = resolve(REPO_ROOT, 'test/fixtures/explain');

function load(file: string, namespace: string): Resource[] {
  const decoded = decodeManifests(readFileSync(resolve(DIR, file), 'utf8'), file);
  assert.deepEqual(decoded.problems, []);
  return decoded.resources.map((r) =>
    r.metadata.namespace === undefined ? { ...r, metadata: { ...r.metadata, namespace } } : r,
  );
}

function explain(files: string[], from: [string, string], host: string) {
  const resources = [
    ...meshDefaults({ autoMtls: true, mtlsEnabled: false }, 'istio-system'),
    ...files.flatMap((f) => load(f, 'full')),
  ];
  const state = meshStateFromResources(resources);
  const client = workloadsNamed(state, from[0], from[1])[0];
  const service = serviceForHost(state, host, from[1]);
  assert.ok(client && service);
  return explainRoute(state, client, service, service.spec.ports[0]!).endpoints;
}

const PHASES: [string, string[]][] = [
  ['1 PERMISSIVE', ['seed-mesh.yaml']],
  ['2 STRICT', ['seed-mesh.yaml', 'strict-policy.yaml']],
  ['3 plaintext', ['seed-mesh.yaml', 'plaintext-policy.yaml']],
  ['4 DestinationRule', ['seed-mesh.yaml', 'plaintext-policy.yaml', 'dr-mtls.yaml']],
];

/** The seed's printed results per phase: sleep.{full,legacy} → httpbin.{full,partial,legacy}. */
const EXPECTED: Record<string, string[]> = {
  '1 PERMISSIVE': ['mtls', 'mtls|plaintext', 'plaintext', 'plaintext', 'plaintext|plaintext', 'plaintext'],
  '2 STRICT': ['mtls', 'mtls|plaintext', 'plaintext', 'reset', 'plaintext|plaintext', 'plaintext'],
  '3 plaintext': [
    'plaintext',
    'mtls|plaintext',
    'plaintext',
    'plaintext',
    'plaintext|plaintext',
    'plaintext',
  ],
  '4 DestinationRule': [
    '503',
    'mtls|plaintext',
    'plaintext',
    'plaintext',
    'plaintext|plaintext',
    'plaintext',
  ],
};

function short(outcome: string): string {
  if (outcome === 'works: mutual TLS') return 'mtls';
  if (outcome === 'works: plaintext') return 'plaintext';
  if (outcome.startsWith('fails: connection reset')) return 'reset';
  if (outcome.startsWith('fails: 503')) return '503';
  return outcome;
}

describe("the seed's phases from its YAML", () => {
  for (const [phase, files] of PHASES) {
    it(`phase ${phase} matches what the seed prints`, () => {
      const seen: string[] = [];
      for (const from of ['full', 'legacy']) {
        for (const to of ['full', 'partial', 'legacy']) {
          seen.push(
            explain(files, ['sleep', from], `httpbin.${to}`)
              .map((e) => short(e.outcome))
              .join('|'),
          );
        }
      }
      assert.deepEqual(seen, EXPECTED[phase]);
    });
  }
});

describe('expected outcomes', () => {
  it('name every failure the way behaviour.md describes it', () => {
    assert.equal(
      expectedOutcome(false, 'DISABLE', 'STRICT'),
      'fails: connection reset (plaintext to a STRICT port)',
    );
    assert.equal(
      expectedOutcome(true, 'DISABLE', 'STRICT'),
      'fails: 503 from the client sidecar (plaintext to a STRICT port)',
    );
    assert.equal(
      expectedOutcome(true, 'ISTIO_MUTUAL', undefined),
      'fails: 503 from the client sidecar (mTLS to an endpoint without a sidecar)',
    );
    assert.equal(
      expectedOutcome(true, 'ISTIO_MUTUAL', 'DISABLE'),
      'fails: 503 from the client sidecar (mTLS to a DISABLE port)',
    );
    assert.equal(
      expectedOutcome(true, 'SIMPLE', 'PERMISSIVE'),
      'fails: 503 from the client sidecar (a sidecar accepts only mesh mTLS or plaintext)',
    );
    assert.equal(expectedOutcome(true, 'ISTIO_MUTUAL', 'PERMISSIVE'), 'works: mutual TLS');
    assert.equal(expectedOutcome(true, 'DISABLE', 'PERMISSIVE'), 'works: plaintext');
  });
});
