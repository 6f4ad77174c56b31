// The discovery documents kubectl and client libraries read before anything else, built from the
// kinds registry (src/api/kinds.ts) and nothing else, so a kind added there is discoverable:
//   /api                 APIVersions       the core group's versions
//   /apis                APIGroupList      every named group, its versions and the preferred one
//   /api/v1, /apis/G/V   APIResourceList   each kind: name, singularName, namespaced, kind, verbs,
//                                          shortNames, categories
//   /version             version.Info      the Kubernetes API level automesh answers to
// Legacy (unaggregated) discovery: kubectl 1.32 asks for the aggregated form first and falls back
// to these when the answer's content type is plain application/json. Pure: no I/O.

import { kindsAt, servedGroups, type KindInfo } from '../../api/index.js';

/** What every resource supports, as discovery lists it (kubectl checks `list`, `watch`, `delete`...). */
export const SERVED_VERBS: readonly string[] = Object.freeze([
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
]);

/** The Kubernetes API level answered on /version; kubectl 1.32 warns past one minor of skew. */
export const KUBERNETES_VERSION = Object.freeze({ major: '1', minor: '32', gitVersion: 'v1.32.0-automesh' });

interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

const groupVersion = (group: string, version: string): GroupVersionForDiscovery => ({
  groupVersion: group === '' ? version : `${group}/${version}`,
  version,
});

export function apiVersions(): { kind: 'APIVersions'; versions: string[] } {
  const core = servedGroups().find((g) => g.group === '');
  return { kind: 'APIVersions', versions: core?.versions ?? [] };
}

export function apiGroupList(): unknown {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: servedGroups()
      .filter((g) => g.group !== '')
      .map(({ group, versions }) => ({
        name: group,
        versions: versions.map((v) => groupVersion(group, v)),
        // The first version a kind lists is the one it is stored at, so clients ask for that.
        preferredVersion: groupVersion(group, versions[0] ?? 'v1'),
      })),
  };
}

function apiResource(kind: KindInfo, group: string): Record<string, unknown> {
  // Short names go with the kind's preferred group only: kubectl warns when a short name also
  // matches a lower-priority group (`deploy` in extensions/v1beta1).
  const shortNames = group === kind.group ? kind.shortNames : [];
  return {
    name: kind.plural,
    singularName: kind.singular,
    namespaced: kind.namespaced,
    kind: kind.kind,
    verbs: SERVED_VERBS,
    ...(shortNames.length === 0 ? {} : { shortNames }),
    ...(kind.categories.length === 0 ? {} : { categories: kind.categories }),
  };
}

/** The resources of one group version; undefined when nothing is served there (a 404). */
export function apiResourceList(group: string, version: string): unknown {
  const kinds = kindsAt(group, version);
  if (kinds.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: kinds.map((kind) => apiResource(kind, group)),
  };
}

export function versionInfo(platform: string): unknown {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '',
    goVersion: '',
    compiler: 'automesh',
    platform,
  };
}
