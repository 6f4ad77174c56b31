// The registry of supported kinds: the one place that knows each kind's group, accepted
// apiVersions, REST plural, singular and kubectl short names. The API server builds its paths from
// it, the CLI resolves `get KIND` with it, validation reports the supported kinds from it.

import type { ResourceKind } from './resources.js';

export interface KindInfo {
  kind: ResourceKind;
  /** The preferred API group; '' for the core group (`/api/v1`). */
  group: string;
  /** Every apiVersion accepted for this kind, the preferred (storage) one first. */
  apiVersions: readonly string[];
  /** Lowercase plural used in REST paths and by `get`: `pods`, `destinationrules`. */
  plural: string;
  singular: string;
  shortNames: readonly string[];
  /** False for cluster-scoped kinds (Namespace, Node, MeshPolicy). */
  namespaced: boolean;
  /**
   * Discovery categories as the real servers list them: `kubectl get all` takes the `all` ones,
   * `kubectl get istio-io` the Istio kinds.
   */
  categories: readonly string[];
}

/** One (group, version) pair of an apiVersion: `apps/v1` → {group: 'apps', version: 'v1'}. */
export interface GroupVersion {
  group: string;
  version: string;
}

function info(
  kind: ResourceKind,
  apiVersions: readonly string[],
  plural: string,
  shortNames: readonly string[],
  options: { namespaced?: boolean; categories?: readonly string[] } = {},
): KindInfo {
  const preferred = apiVersions[0] ?? 'v1';
  return Object.freeze({
    kind,
    group: parseApiVersion(preferred).group,
    apiVersions: Object.freeze([...apiVersions]),
    plural,
    singular: kind.toLowerCase(),
    shortNames: Object.freeze([...shortNames]),
    namespaced: options.namespaced ?? true,
    categories: Object.freeze([...(options.categories ?? [])]),
  });
}

/** Istio's CRDs list `istio-io` and their group's own category (`security-istio-io`). */
const istio = (group: string): readonly string[] => ['istio-io', `${group}-istio-io`];

/** Every supported kind, in the order people usually list them. */
export const KINDS: readonly KindInfo[] = Object.freeze([
  info('Namespace', ['v1'], 'namespaces', ['ns'], { namespaced: false }),
  info('Node', ['v1'], 'nodes', ['no'], { namespaced: false }),
  info('ServiceAccount', ['v1'], 'serviceaccounts', ['sa']),
  info('Service', ['v1'], 'services', ['svc'], { categories: ['all'] }),
  info('Pod', ['v1'], 'pods', ['po'], { categories: ['all'] }),
  info('Endpoints', ['v1'], 'endpoints', ['ep']),
  info('ConfigMap', ['v1'], 'configmaps', ['cm']),
  info('Deployment', ['apps/v1', 'extensions/v1beta1'], 'deployments', ['deploy'], { categories: ['all'] }),
  info(
    'PeerAuthentication',
    ['security.istio.io/v1beta1', 'security.istio.io/v1'],
    'peerauthentications',
    ['pa'],
    { categories: istio('security') },
  ),
  info('Policy', ['authentication.istio.io/v1alpha1'], 'policies', [], {
    categories: istio('authentication'),
  }),
  info('MeshPolicy', ['authentication.istio.io/v1alpha1'], 'meshpolicies', [], {
    namespaced: false,
    categories: istio('authentication'),
  }),
  info(
    'DestinationRule',
    ['networking.istio.io/v1alpha3', 'networking.istio.io/v1beta1', 'networking.istio.io/v1'],
    'destinationrules',
    ['dr'],
    { categories: istio('networking') },
  ),
]);

/** The supported kind names, for messages: `Namespace, ServiceAccount, ...`. */
export const SUPPORTED_KINDS: readonly string[] = Object.freeze(KINDS.map((k) => k.kind));

/** Splits an apiVersion: `v1` → core group; `apps/v1` → group `apps`. */
export function parseApiVersion(apiVersion: string): GroupVersion {
  const slash = apiVersion.lastIndexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * Every served group with its versions, in the order of KINDS (core first, then `apps` before
 * `extensions`): the order kubectl's discovery takes as priority when two groups serve one name.
 */
export function servedGroups(): { group: string; versions: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const kind of KINDS) {
    for (const apiVersion of kind.apiVersions) {
      const { group, version } = parseApiVersion(apiVersion);
      const versions = groups.get(group) ?? [];
      if (!versions.includes(version)) versions.push(version);
      groups.set(group, versions);
    }
  }
  return [...groups].map(([group, versions]) => ({ group, versions }));
}

/** The kinds served at one group version (`apps`, `v1`). */
export function kindsAt(group: string, version: string): KindInfo[] {
  const apiVersion = group === '' ? version : `${group}/${version}`;
  return KINDS.filter((k) => k.apiVersions.includes(apiVersion));
}

/** The groups a kind is served under (Deployment: `apps` and `extensions`). */
export function groupsOf(kind: KindInfo): string[] {
  return [...new Set(kind.apiVersions.map((v) => parseApiVersion(v).group))];
}

/** The registry entry for a kind name exactly as written in a manifest (`Pod`, `MeshPolicy`). */
export function kindInfo(kind: string): KindInfo | undefined {
  return KINDS.find((k) => k.kind === kind);
}

/** The registry entry when `kind` is served at `apiVersion`; undefined otherwise. */
export function kindForApiVersion(apiVersion: string, kind: string): KindInfo | undefined {
  const found = kindInfo(kind);
  return found?.apiVersions.includes(apiVersion) ? found : undefined;
}

/** The kind served at a REST path's (group, version, plural), e.g. (`apps`, `v1`, `deployments`). */
export function kindForResource(group: string, version: string, plural: string): KindInfo | undefined {
  const apiVersion = group === '' ? version : `${group}/${version}`;
  return KINDS.find((k) => k.plural === plural && k.apiVersions.includes(apiVersion));
}

function spellings(kind: KindInfo): string[] {
  return [kind.plural, kind.singular, kind.kind.toLowerCase(), ...kind.shortNames];
}

/**
 * Resolves every kubectl spelling of a kind, case-insensitively: plural, singular, Kind, short name
 * (`pods`, `pod`, `Pod`, `po`), and the qualified forms `RESOURCE.GROUP` and `RESOURCE.VERSION.GROUP`
 * (`policies.authentication.istio.io`, `deployments.apps`, `deployments.v1.apps`). A qualified name
 * matches only when the kind is served under that group (and version).
 */
export function findKind(nameOrAlias: string): KindInfo | undefined {
  const name = nameOrAlias.trim().toLowerCase();
  if (name === '') return undefined;
  const plain = KINDS.find((k) => spellings(k).includes(name));
  if (plain) return plain;
  const dot = name.indexOf('.');
  if (dot < 0) return undefined;
  const resource = name.slice(0, dot);
  const rest = name.slice(dot + 1);
  return KINDS.find((k) => {
    if (!spellings(k).includes(resource)) return false;
    return k.apiVersions.some((apiVersion) => {
      const { group, version } = parseApiVersion(apiVersion);
      return rest === group || rest === `${version}.${group}` || (group === '' && rest === version);
    });
  });
}

export interface ResourcePathOptions {
  /** Defaults to the kind's preferred apiVersion. */
  apiVersion?: string;
  /** Ignored for cluster-scoped kinds; omit to address every namespace. */
  namespace?: string;
  name?: string;
}

/**
 * The Kubernetes-shaped REST path of a collection or one object:
 * `/api/v1/namespaces/full/pods/x`, `/apis/networking.istio.io/v1alpha3/namespaces/full/destinationrules`,
 * `/apis/authentication.istio.io/v1alpha1/meshpolicies/default`.
 */
export function resourcePath(kind: KindInfo, options: ResourcePathOptions = {}): string {
  const apiVersion = options.apiVersion ?? kind.apiVersions[0] ?? 'v1';
  const { group } = parseApiVersion(apiVersion);
  let path = group === '' ? `/api/${apiVersion}` : `/apis/${apiVersion}`;
  if (kind.namespaced && options.namespace !== undefined) {
    path += `/namespaces/${encodeURIComponent(options.namespace)}`;
  }
  path += `/${kind.plural}`;
  if (options.name !== undefined) path += `/${encodeURIComponent(options.name)}`;
  return path;
}
