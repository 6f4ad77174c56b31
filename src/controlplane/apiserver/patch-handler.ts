// PATCH of one object: JSON merge patch (`kubectl label`, `annotate`, `patch --type merge`, `apply`
// of the Istio kinds), JSON patch (`patch --type json`) and strategic merge patch (`apply` of the
// built-in kinds, `patch` without --type). The patched object is decoded and validated like any write
// (a bad result: 422 with field paths, nothing stored) and stored against the resourceVersion it
// was made from; when another write came in between, the patch is made again on the new version,
// as kube-apiserver does, a few times before answering Conflict. Server-side apply is a PATCH too
// (`application/apply-patch+yaml`): server-side-apply-handler.ts. On an object with managedFields,
// the patch's writer owns what it changed (apply/managed-fields.ts recordUpdate).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Resource } from '../../api/index.js';
import { isStoreError } from '../../store/index.js';
import { ApiError } from './api-error.js';
import { sendJson } from './http-io.js';
import { applyJsonPatch } from './patch/json-patch.js';
import { applyMergePatch } from './patch/merge-patch.js';
import { applyStrategicMergePatch } from './patch/strategic-merge-patch.js';
import { readJsonBody } from './read-json-body.js';
import type { HandlerContext, ResourceRoute } from './resource-handlers.js';
import { notFound } from './resource-handlers.js';
import { admitWrite } from './write-admission.js';
import { writesFor } from './dry-run.js';
import { keepManagedFields } from './apply/managed-fields.js';
import {
  APPLY_PATCH_TYPE,
  fieldManagerOf,
  handleServerSideApply,
  managedFieldsTime,
} from './server-side-apply-handler.js';

/** How often a patch is made again on a newer version before answering Conflict. */
const PATCH_ATTEMPTS = 5;

type PatchType = 'merge' | 'json' | 'strategic';

function patchType(contentType: string | undefined): PatchType {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/merge-patch+json') return 'merge';
  if (type === 'application/json-patch+json') return 'json';
  if (type === 'application/strategic-merge-patch+json') return 'strategic';
  throw new ApiError(
    'AUTOMESH_ERR_API_MEDIA_TYPE',
    `unsupported patch type "${contentType ?? ''}": send application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json or ${APPLY_PATCH_TYPE}`,
  );
}

function patched(type: PatchType, current: Resource, patch: unknown): unknown {
  if (type === 'merge') return applyMergePatch(current, patch);
  const result =
    type === 'json' ? applyJsonPatch(current, patch) : applyStrategicMergePatch(current.kind, current, patch);
  if (!result.ok)
    throw new ApiError(
      'AUTOMESH_ERR_API_INVALID',
      `the ${type === 'json' ? 'JSON' : 'strategic merge'} patch cannot be applied: ${result.message}`,
    );
  return result.value;
}

export async function handlePatch(
  ctx: HandlerContext,
  route: ResourceRoute,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
): Promise<void> {
  if (route.name === undefined)
    throw new ApiError('AUTOMESH_ERR_API_METHOD', 'PATCH goes to one object, not to a collection');
  if (req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() === APPLY_PATCH_TYPE)
    return handleServerSideApply(ctx, route, req, url, res);
  const type = patchType(req.headers['content-type']);
  const manager = fieldManagerOf(url, req);
  const patch = await readJsonBody(req, ctx.bodyLimitBytes);
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.store.get(route.kind.kind, route.namespace, route.name);
    if (current === undefined) throw notFound(route);
    const [resource] = await admitWrite(ctx, route, [patched(type, current, patch)]);
    if (resource === undefined)
      throw new ApiError('AUTOMESH_ERR_API_INVALID', 'the patch removed the object');
    if (resource.metadata.name !== route.name) {
      throw new ApiError(
        'AUTOMESH_ERR_API_INVALID',
        `metadata.name: the patch may not change the name ("${route.name}")`,
        {
          causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: 'field is immutable' }],
        },
      );
    }
    resource.metadata.resourceVersion = current.metadata.resourceVersion;
    keepManagedFields(resource, current, manager, managedFieldsTime(ctx.nowMs()));
    try {
      sendJson(res, 200, await writesFor(ctx.store, url).update(resource));
      return;
    } catch (err) {
      if (!isStoreError(err) || err.code !== 'AUTOMESH_ERR_STORE_CONFLICT' || attempt >= PATCH_ATTEMPTS)
        throw err;
    }
  }
}
