// Identity of a stored object: kind + namespace + name. Cluster-scoped objects have no namespace.

import type { Resource, ResourceKind } from '../api/index.js';

export interface ResourceRef {
  kind: ResourceKind;
  namespace: string | undefined;
  name: string;
}

export function refOf(resource: Resource): ResourceRef {
  return { kind: resource.kind, namespace: resource.metadata.namespace, name: resource.metadata.name };
}

/** A printable, unique key: `Kind/namespace/name` (empty namespace for cluster-scoped objects). */
export function resourceKey(kind: ResourceKind, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** kubectl-style display: `Kind ns/name` or `Kind name`. */
export function describeRef(ref: ResourceRef): string {
  return ref.namespace === undefined ? `${ref.kind} ${ref.name}` : `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** Code-unit order, the order every backend lists in. */
export function byNamespaceThenName(a: Resource, b: Resource): number {
  const an = a.metadata.namespace ?? '';
  const bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}
