// Server-side apply's ownership rules (apiserver/apply), table by table: what an apply sets and
// owns, conflicts with another manager, force, shared equal values, fields a manager drops, list
// items merged by key, and how a plain write moves ownership.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, Resource } from '../../src/api/index.js';
import {
  applyConfiguration,
  conflictMessage,
  recordUpdate,
} from '../../src/controlplane/apiserver/apply/managed-fields.js';
import {
  fieldsOf,
  fromFieldsV1,
  toFieldsV1,
  describePath,
  pathOf,
} from '../../src/controlplane/apiserver/apply/field-set.js';

const NOW = '2026-12-03T09:00:00Z';

function web(
  replicas: number,
  image = 'nginx:1',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image, ...extra }] },
      },
    },
  };
}

function apply(
  current: Resource | undefined,
  applied: Record<string, unknown>,
  manager: string,
  force = false,
) {
  return applyConfiguration({ kind: 'Deployment', current, applied, manager, force, now: NOW });
}

function applied(
  current: Resource | undefined,
  config: Record<string, unknown>,
  manager: string,
): Deployment {
  const outcome = apply(current, config, manager);
  assert.ok(outcome.ok, JSON.stringify(outcome));
  return outcome.object as Deployment;
}

const managers = (r: Resource) =>
  (r.metadata.managedFields ?? []).map((e) => `${String(e['manager'])}/${String(e['operation'])}`);

describe('field sets', () => {
  it('lists leaves with FieldsV1 segments, list items by merge key, and round-trips FieldsV1', () => {
    const set = fieldsOf('Deployment', web(2));
    const described = [...set].map((k) => describePath(pathOf(k))).sort();
    assert.deepEqual(described, [
      '.metadata.labels.app',
      '.spec.replicas',
      '.spec.selector.matchLabels.app',
      '.spec.template.metadata.labels.app',
      '.spec.template.spec.containers[name="app"]',
      '.spec.template.spec.containers[name="app"].image',
      '.spec.template.spec.containers[name="app"].name',
    ]);
    const tree = toFieldsV1(set);
    const spec = tree['f:spec'] as Record<string, Record<string, Record<string, unknown>>>;
    assert.deepEqual(spec['f:template']?.['f:spec']?.['f:containers'], {
      'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} },
    });
    assert.deepEqual([...fromFieldsV1(tree)].sort(), [...set].sort());
  });
});

describe('server-side apply', () => {
  it('creates the object and records the manager as owning what it applied', () => {
    const created = applied(undefined, web(2), 'alice');
    assert.equal(created.spec.replicas, 2);
    assert.deepEqual(managers(created), ['alice/Apply']);
  });

  it('refuses a change to a field another manager owns, naming both, and takes it with force', () => {
    const mine = applied(undefined, web(2), 'alice');
    const refused = apply(mine, web(3), 'bob');
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok);
    assert.deepEqual(refused.conflicts, [
      { manager: 'alice', apiVersion: 'apps/v1', field: '.spec.replicas' },
    ]);
    assert.equal(
      conflictMessage(refused.conflicts),
      'Apply failed with 1 conflict: conflict with "alice" using apps/v1: .spec.replicas',
    );
    const forced = apply(mine, web(3), 'bob', true);
    assert.ok(forced.ok);
    assert.equal((forced.object as Deployment).spec.replicas, 3);
    // bob now owns replicas; alice re-applying 2 conflicts with bob.
    const back = apply(forced.object, web(2), 'alice');
    assert.ok(!back.ok);
    assert.deepEqual(back.conflicts, [{ manager: 'bob', apiVersion: 'apps/v1', field: '.spec.replicas' }]);
  });

  it('shares fields two managers apply with equal values', () => {
    const mine = applied(undefined, web(2), 'alice');
    const both = applied(mine, web(2), 'bob');
    assert.deepEqual(managers(both), ['alice/Apply', 'bob/Apply']);
  });

  it('removes a field its manager no longer applies, and keeps one another manager owns', () => {
    const withPull = applied(undefined, web(2, 'nginx:1', { imagePullPolicy: 'Always' }), 'alice');
    const dropped = applied(withPull, web(2), 'alice');
    assert.equal(dropped.spec.template.spec.containers[0]?.imagePullPolicy, undefined);
    assert.equal(dropped.spec.template.spec.containers[0]?.image, 'nginx:1');

    const shared = applied(withPull, web(2, 'nginx:1', { imagePullPolicy: 'Always' }), 'bob');
    const kept = applied(shared, web(2), 'alice');
    assert.equal(kept.spec.template.spec.containers[0]?.imagePullPolicy, 'Always');
  });

  it('merges containers by name and keeps fields the object has that nobody applied', () => {
    const mine = applied(undefined, web(2), 'alice');
    // Injection (or a default) added a container and a field nobody applied.
    const injected = structuredClone(mine);
    injected.spec.template.spec.containers.push({ name: 'istio-proxy', image: 'proxy' });
    injected.spec.template.spec.containers[0]!.imagePullPolicy = 'IfNotPresent';
    const again = applied(injected, web(2, 'nginx:2'), 'alice');
    assert.deepEqual(
      again.spec.template.spec.containers.map((c) => [c.name, c.image, c.imagePullPolicy]),
      [
        ['app', 'nginx:2', 'IfNotPresent'],
        ['istio-proxy', 'proxy', undefined],
      ],
    );
  });
});

describe('plain writes after an apply', () => {
  it('owns what it changed, so the next apply of the old value conflicts with it', () => {
    const mine = applied(undefined, web(2), 'alice');
    const scaled = structuredClone(mine);
    scaled.spec.replicas = 5;
    const recorded = recordUpdate('Deployment', mine, scaled, 'kubectl-scale', NOW);
    assert.ok(recorded !== undefined);
    scaled.metadata.managedFields = recorded as unknown as Record<string, unknown>[];
    assert.deepEqual(managers(scaled), ['alice/Apply', 'kubectl-scale/Update']);
    const reapply = apply(scaled, web(2), 'alice');
    assert.ok(!reapply.ok);
    assert.deepEqual(reapply.conflicts, [
      { manager: 'kubectl-scale', apiVersion: 'apps/v1', field: '.spec.replicas' },
    ]);
  });

  it('records nothing on an object never applied server-side', () => {
    const plain = web(2) as unknown as Resource;
    const changed = structuredClone(plain) as unknown as Deployment;
    changed.spec.replicas = 3;
    assert.equal(recordUpdate('Deployment', plain, changed, 'kubectl', NOW), undefined);
  });
});
