import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../../src/api/index.js';
import { parseDuration, placeInNamespace, refOf } from '../../src/cli/commands/apply.js';
import { conditionMet, parseWaitFor } from '../../src/cli/commands/wait.js';
import { installResources } from '../../src/cli/commands/install.js';
import { parseQueries, resolveKind } from '../../src/cli/commands/get.js';
import { DEFAULT_MESH_SETTINGS } from '../../src/api/index.js';

const svc = (namespace?: string): Resource => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'httpbin', ...(namespace === undefined ? {} : { namespace }) },
  spec: { ports: [{ port: 8000 }] },
});

describe('apply helpers', () => {
  it('puts namespaced objects without a namespace into -n, or default', () => {
    assert.equal(placeInNamespace([svc()], 'full')[0]!.metadata.namespace, 'full');
    assert.equal(placeInNamespace([svc()], undefined)[0]!.metadata.namespace, 'default');
    assert.equal(placeInNamespace([svc('legacy')], undefined)[0]!.metadata.namespace, 'legacy');
  });

  it('leaves cluster-scoped objects without a namespace', () => {
    const ns: Resource = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'full' } };
    assert.equal(placeInNamespace([ns], 'full')[0]!.metadata.namespace, undefined);
  });

  it('refuses an object whose namespace differs from -n, as kubectl does', () => {
    assert.throws(
      () => placeInNamespace([svc('legacy')], 'full'),
      /the namespace from the provided object "legacy" does not match the namespace "full"/,
    );
  });

  it('names objects with the group they were written with', () => {
    assert.equal(
      refOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'h' } }),
      'deployment.apps/h',
    );
    assert.equal(
      refOf({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'h' } }),
      'deployment.extensions/h',
    );
    assert.equal(refOf({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'h' } }), 'service/h');
    assert.equal(
      refOf({ apiVersion: 'authentication.istio.io/v1alpha1', kind: 'Policy', metadata: { name: 'h' } }),
      'policy.authentication.istio.io/h',
    );
  });

  it('parses Go durations as --timeout takes them', () => {
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('0'), 0);
    assert.throws(() => parseDuration('60'), /invalid duration "60"/);
    assert.throws(() => parseDuration('5x'), /invalid duration/);
  });
});

describe('kind spellings', () => {
  it('resolves every kubectl spelling the seed uses', () => {
    for (const [spelling, kind] of [
      ['pods', 'Pod'],
      ['pod', 'Pod'],
      ['po', 'Pod'],
      ['svc', 'Service'],
      ['deploy', 'Deployment'],
      ['ns', 'Namespace'],
      ['ep', 'Endpoints'],
      ['policies.authentication.istio.io', 'Policy'],
      ['meshpolicies', 'MeshPolicy'],
      ['destinationrules.networking.istio.io', 'DestinationRule'],
    ]) {
      assert.equal(resolveKind(spelling!).kind, kind, spelling);
    }
  });
  it('words an unknown kind as kubectl does', () => {
    assert.throws(() => resolveKind('frobs'), /^Error: the server doesn't have a resource type "frobs"$/);
  });
});

describe('wait helpers', () => {
  it('parses --for', () => {
    assert.deepEqual(parseWaitFor('condition=Ready'), {
      type: 'condition',
      condition: 'Ready',
      value: 'true',
    });
    assert.deepEqual(parseWaitFor('condition=Ready=false'), {
      type: 'condition',
      condition: 'Ready',
      value: 'false',
    });
    assert.deepEqual(parseWaitFor('delete'), { type: 'delete' });
    assert.throws(() => parseWaitFor('ready'), /unrecognized condition/);
  });

  it('reads the Ready condition of a pod, case-insensitively', () => {
    const pod = (status: string) => ({ kind: 'Pod', status: { conditions: [{ type: 'Ready', status }] } });
    assert.equal(conditionMet(pod('True'), 'Ready', 'true'), true);
    assert.equal(conditionMet(pod('False'), 'ready', 'true'), false);
    assert.equal(conditionMet(pod('False'), 'Ready', 'false'), true);
  });

  it('derives Ready from container statuses when a pod keeps no conditions', () => {
    const pod = (ready: boolean[]) => ({
      kind: 'Pod',
      status: { phase: 'Running', containerStatuses: ready.map((r) => ({ ready: r })) },
    });
    assert.equal(conditionMet(pod([true, true]), 'Ready', 'true'), true);
    assert.equal(conditionMet(pod([true, false]), 'Ready', 'true'), false);
  });
});

describe('install resources', () => {
  it('stores the values and a PERMISSIVE MeshPolicy for the seed flags', () => {
    const resources = installResources(
      { ...DEFAULT_MESH_SETTINGS, autoMtls: true, mtlsEnabled: false },
      'demo',
    );
    assert.deepEqual(
      resources.map((r) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`),
      ['Namespace//istio-system', 'ConfigMap/istio-system/automesh', 'MeshPolicy//default'],
    );
    const cm = resources[1] as { data: Record<string, string> };
    assert.equal(cm.data['values.global.mtls.auto'], 'true');
    assert.equal(cm.data['values.global.mtls.enabled'], 'false');
    assert.equal(cm.data['profile'], 'demo');
    assert.deepEqual((resources[2] as { spec: unknown }).spec, { peers: [{ mtls: { mode: 'PERMISSIVE' } }] });
  });

  it('adds the ISTIO_MUTUAL default rule only when mTLS is enabled with auto off', () => {
    const kinds = (auto: boolean, enabled: boolean) =>
      installResources({ ...DEFAULT_MESH_SETTINGS, autoMtls: auto, mtlsEnabled: enabled }, 'default').map(
        (r) => r.kind,
      );
    assert.ok(kinds(false, true).includes('DestinationRule'));
    assert.ok(!kinds(true, true).includes('DestinationRule'));
    assert.ok(!kinds(false, false).includes('DestinationRule'));
  });
});

describe('get arguments', () => {
  const scope = { namespace: 'full', allNamespaces: false };
  const summary = (args: string[], s = scope) =>
    parseQueries(args, s).map((q) => `${q.kind.kind}:${q.names.join('+')}@${q.namespace ?? '-'}`);

  it('reads KIND NAME..., KIND,KIND and KIND/NAME forms', () => {
    assert.deepEqual(summary(['pods']), ['Pod:@full']);
    assert.deepEqual(summary(['po', 'a', 'b']), ['Pod:a+b@full']);
    assert.deepEqual(summary(['svc,deploy']), ['Service:@full', 'Deployment:@full']);
    assert.deepEqual(summary(['pod/a', 'svc/b', 'pod/c']), ['Pod:a+c@full', 'Service:b@full']);
    assert.deepEqual(summary(['ns', 'full']), ['Namespace:full@-']);
    assert.deepEqual(summary(['meshpolicies'], { namespace: 'x', allNamespaces: true }), ['MeshPolicy:@-']);
  });

  it('refuses names across all namespaces and names with several kinds', () => {
    assert.throws(
      () => summary(['pods', 'a'], { namespace: 'full', allNamespaces: true }),
      /across all namespaces/,
    );
    assert.throws(() => summary(['pods,svc', 'a']), /single resource type/);
    assert.throws(() => summary([]), /you must specify the type of resource to get/);
  });
});
