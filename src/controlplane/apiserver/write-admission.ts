// What every single-object write (create, replace, patch) goes through before the store: decode
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
    const resource = decodeOne(value, ctx.decode);
    requireKind(resource, route.kind);
    return placeInNamespace(resource, route.kind, route.namespace);
  });
  await requireNamespaces(ctx.store, resources);
  return injectForNamespaces(ctx.store, resources);
}
