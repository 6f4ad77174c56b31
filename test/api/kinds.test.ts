import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findKind, kindForApiVersion, kindForResource, resourcePath, KINDS } from '../../src/api/kinds.js';

describe('kinds registry', () => {
  const spellings: [string, string][] = [
    ['pods', 'Pod'],
    ['pod', 'Pod'],
    ['po', 'Pod'],
    ['Pod', 'Pod'],
    ['pods.v1', 'Pod'],
    ['services', 'Service'],
    ['svc', 'Service'],
    ['deploy', 'Deployment'],
    ['deployments.apps', 'Deployment'],
    ['deployments.v1.apps', 'Deployment'],
    ['deployments.extensions', 'Deployment'],
    ['ns', 'Namespace'],
    ['namespaces', 'Namespace'],
    ['ep', 'Endpoints'],
    ['endpoints', 'Endpoints'],
    ['sa', 'ServiceAccount'],
    ['serviceaccount', 'ServiceAccount'],
    ['cm', 'ConfigMap'],
    ['configmaps', 'ConfigMap'],
    ['pa', 'PeerAuthentication'],
    ['peerauthentications.security.istio.io', 'PeerAuthentication'],
    ['peerauthentication', 'PeerAuthentication'],
    ['policies.authentication.istio.io', 'Policy'],
    ['policy', 'Policy'],
    ['policies', 'Policy'],
    ['meshpolicies', 'MeshPolicy'],
    ['meshpolicy', 'MeshPolicy'],
    ['meshpolicies.authentication.istio.io', 'MeshPolicy'],
    ['destinationrules.networking.istio.io', 'DestinationRule'],
    ['destinationrules.v1alpha3.networking.istio.io', 'DestinationRule'],
    ['dr', 'DestinationRule'],
    ['DestinationRule', 'DestinationRule'],
  ];
  for (const [spelling, kind] of spellings) {
    it(`resolves "${spelling}" to ${kind}`, () => {
      assert.equal(findKind(spelling)?.kind, kind);
    });
  }

  for (const unknown of ['', 'widgets', 'pods.apps', 'policies.networking.istio.io', 'deployments.v2.apps']) {
    it(`does not resolve "${unknown}"`, () => {
      assert.equal(findKind(unknown), undefined);
    });
  }

  it('maps apiVersion and kind to an entry only when the kind is served there', () => {
    assert.equal(kindForApiVersion('extensions/v1beta1', 'Deployment')?.plural, 'deployments');
    assert.equal(kindForApiVersion('apps/v1', 'Deployment')?.group, 'apps');
    assert.equal(kindForApiVersion('networking.istio.io/v1', 'DestinationRule')?.kind, 'DestinationRule');
    assert.equal(kindForApiVersion('v1', 'Deployment'), undefined);
    assert.equal(kindForApiVersion('authentication.istio.io/v1alpha1', 'PeerAuthentication'), undefined);
  });

  it('maps REST (group, version, plural) to a kind', () => {
    assert.equal(kindForResource('', 'v1', 'pods')?.kind, 'Pod');
    assert.equal(kindForResource('extensions', 'v1beta1', 'deployments')?.kind, 'Deployment');
    assert.equal(
      kindForResource('security.istio.io', 'v1', 'peerauthentications')?.kind,
      'PeerAuthentication',
    );
    assert.equal(kindForResource('apps', 'v1', 'pods'), undefined);
  });

  it('builds Kubernetes-shaped REST paths', () => {
    const pod = findKind('pod')!;
    const mp = findKind('meshpolicy')!;
    const dr = findKind('dr')!;
    assert.equal(resourcePath(pod, { namespace: 'full', name: 'x' }), '/api/v1/namespaces/full/pods/x');
    assert.equal(resourcePath(pod), '/api/v1/pods');
    assert.equal(
      resourcePath(dr, { namespace: 'full' }),
      '/apis/networking.istio.io/v1alpha3/namespaces/full/destinationrules',
    );
    assert.equal(
      resourcePath(mp, { namespace: 'ignored', name: 'default' }),
      '/apis/authentication.istio.io/v1alpha1/meshpolicies/default',
    );
  });

  it('marks Namespace, Node and MeshPolicy cluster-scoped and everything else namespaced', () => {
    const clusterScoped = KINDS.filter((k) => !k.namespaced).map((k) => k.kind);
    assert.deepEqual(clusterScoped, ['Namespace', 'Node', 'MeshPolicy']);
  });
});
