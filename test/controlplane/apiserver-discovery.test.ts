import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS } from '../../src/api/index.js';
import {
  apiGroupList,
  apiResourceList,
  apiVersions,
} from '../../src/controlplane/apiserver/discovery-documents.js';

interface ResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; shortNames?: string[]; verbs: string[] }[];
}
interface GroupList {
  groups: { name: string; versions: { groupVersion: string }[]; preferredVersion: { version: string } }[];
}

describe('discovery documents', () => {
  it('list every kind at every apiVersion it is served at, and nothing else', () => {
    const served = new Set<string>();
    const groups = (apiGroupList() as GroupList).groups;
    const groupVersions = ['v1', ...groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
    assert.deepEqual(apiVersions().versions, ['v1']);
    for (const groupVersion of groupVersions) {
      const [group, version] = groupVersion.includes('/') ? groupVersion.split('/') : ['', groupVersion];
      const list = apiResourceList(group!, version!) as ResourceList;
      assert.equal(list.groupVersion, groupVersion);
      for (const r of list.resources) served.add(`${r.kind} ${groupVersion} ${r.name} ${r.namespaced}`);
    }
    const expected = KINDS.flatMap((k) =>
      k.apiVersions.map((v) => `${k.kind} ${v} ${k.plural} ${k.namespaced}`),
    );
    assert.deepEqual([...served].sort(), expected.sort());
  });

  it('prefers the version a kind is stored at, and gives short names to the preferred group only', () => {
    const groups = (apiGroupList() as GroupList).groups;
    assert.deepEqual(
      groups.map((g) => `${g.name} ${g.preferredVersion.version}`),
      [
        'apps v1',
        'extensions v1beta1',
        'security.istio.io v1beta1',
        'authentication.istio.io v1alpha1',
        'networking.istio.io v1alpha3',
      ],
    );
    const deployments = (group: string, version: string) =>
      (apiResourceList(group, version) as ResourceList).resources.find((r) => r.name === 'deployments');
    assert.deepEqual(deployments('apps', 'v1')?.shortNames, ['deploy']);
    assert.equal(deployments('extensions', 'v1beta1')?.shortNames, undefined);
  });

  it('has no resource list where nothing is served', () => {
    assert.equal(apiResourceList('apps', 'v2'), undefined);
    assert.equal(apiResourceList('example.com', 'v1'), undefined);
  });
});
