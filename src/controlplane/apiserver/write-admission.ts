// What every single-object write (create, replace, patch) goes through before the store: the
// path's apiVersion and kind where the body leaves them out (as kube-apiserver defaults them from
// the request; generated clients such as python3-kubernetes send models without them), decode
// and validate (every problem with its field path, 422, nothing stored), the kind of the path,
// the namespace of the path, an existing namespace, then namespace-label injection.

import type { Resource } from '../../api/index.js';
import { injectForNamespaces } from './namespace-injection.js';
import { requireNamespaces } from './namespace-guard.js';
import type { HandlerContext, ResourceRoute } from './resource-handlers.js';
import { decodeOne, placeInNamespace, requireKind } from './validate-write.js';

export async function admitWrite(
  ctx: HandlerContext,
  route: ResourceRoute,
  values: readonly unknown[],
): Promise<Resource[]> {
  const resources = values.map((value) => {
    const resource = decodeOne(withPathKind(value, route), ctx.decode);
    requireKind(resource, route.kind);
    return placeInNamespace(resource, route.kind, route.namespace);
  });
  await requireNamespaces(ctx.store, resources);
  return injectForNamespaces(ctx.store, resources);
}

/** The body with the path's apiVersion and kind filled in where it has none. */
function withPathKind(value: unknown, route: ResourceRoute): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const object = value as { apiVersion?: unknown; kind?: unknown };
  if (object.apiVersion !== undefined && object.kind !== undefined) return value;
  return {
    ...object,
    apiVersion: object.apiVersion ?? route.apiVersion,
    kind: object.kind ?? route.kind.kind,
  };
}
