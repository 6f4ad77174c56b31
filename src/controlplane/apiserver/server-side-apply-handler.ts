// Server-side apply: PATCH with `application/apply-patch+yaml` (`kubectl apply --server-side`,
// client libraries' apply). The body is the manager's whole configuration (YAML or JSON); the
// manager is the required `fieldManager`; `force=true` takes over conflicting fields. It creates
// the object when there is none. The merge and the ownership rules are apply/managed-fields.ts;
// here: the HTTP edge, admission like every write, and the store write against the version the
// apply was computed from (made again on a newer one, a few times, as patches are).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'yaml';
import type { Resource } from '../../api/index.js';
import { isStoreError } from '../../store/index.js';
import { ApiError } from './api-error.js';
import { applyConfiguration, conflictMessage } from './apply/managed-fields.js';
import { isMap } from './apply/field-set.js';
import { sendJson } from './http-io.js';
import { queryFlag } from './query-flag.js';
import { readRawBody } from './read-json-body.js';
import type { HandlerContext, ResourceRoute } from './resource-handlers.js';
import { admitWrite } from './write-admission.js';
import { writesFor, type ObjectWrites } from './dry-run.js';

export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';

/** How often an apply is made again on a newer version before answering Conflict. */
const APPLY_ATTEMPTS = 5;

/** RFC 3339 to the second, as managedFields times are written. */
export const managedFieldsTime = (nowMs: number): string =>
  new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Who makes a plain write, for managedFields: `fieldManager` when given, else the User-Agent up to
 * its first '/' (kube-apiserver's default: `kubectl/v1.32.4 (linux/amd64) ...` is `kubectl`).
 */
export function fieldManagerOf(url: URL, req: IncomingMessage): string {
  const given = url.searchParams.get('fieldManager');
  if (given !== null && given !== '') return given;
  const agent = req.headers['user-agent']?.split('/')[0]?.trim();
  return agent === undefined || agent === '' ? 'unknown' : agent;
}

function parseConfiguration(body: Buffer, route: ResourceRoute): Record<string, unknown> {
  let value: unknown;
  try {
    value = parse(body.toString('utf8'));
  } catch (err) {
    throw new ApiError(
      'AUTOMESH_ERR_API_MALFORMED_JSON',
      `the apply configuration is not valid YAML or JSON: ${(err as Error).message}`,
    );
  }
  if (!isMap(value))
    throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', 'an apply configuration is one object');
  const metadata = isMap(value['metadata']) ? { ...value['metadata'] } : {};
  if (metadata['managedFields'] !== undefined) {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      'metadata.managedFields must be nil in an apply configuration',
    );
  }
  const name = metadata['name'] ?? route.name;
  if (name !== route.name) {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `the name of the object (${JSON.stringify(name)}) does not match the name in the path ("${route.name ?? ''}")`,
    );
  }
  // The version an apply is made on is the stored one; status is not the main resource's to apply.
  delete metadata['resourceVersion'];
  const { status: _status, ...rest } = value;
  return {
    ...rest,
    apiVersion: value['apiVersion'] ?? route.apiVersion,
    kind: value['kind'] ?? route.kind.kind,
    metadata: { ...metadata, name },
  };
}

export async function handleServerSideApply(
  ctx: HandlerContext,
  route: ResourceRoute,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
): Promise<void> {
  if (route.name === undefined)
    throw new ApiError('AUTOMESH_ERR_API_METHOD', 'PATCH goes to one object, not to a collection');
  const manager = url.searchParams.get('fieldManager');
  if (manager === null || manager === '')
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      'PATCH with application/apply-patch+yaml requires fieldManager',
    );
  const force = queryFlag(url.searchParams, 'force');
  const applied = parseConfiguration(await readRawBody(req, ctx.bodyLimitBytes), route);
  for (let attempt = 1; ; attempt++) {
    const current = await ctx.store.get(route.kind.kind, route.namespace, route.name);
    const outcome = applyConfiguration({
      kind: route.kind.kind,
      current,
      applied,
      manager,
      force,
      now: managedFieldsTime(ctx.nowMs()),
    });
    if (!outcome.ok) {
      throw new ApiError('AUTOMESH_ERR_API_CONFLICT', conflictMessage(outcome.conflicts), {
        name: route.name,
        kind: route.kind.plural,
        causes: outcome.conflicts.map((c) => ({
          reason: 'FieldManagerConflict',
          message: `conflict with "${c.manager}" using ${c.apiVersion}`,
          field: c.field,
        })),
      });
    }
    const [resource] = await admitWrite(ctx, route, [outcome.object]);
    if (resource === undefined)
      throw new ApiError('AUTOMESH_ERR_API_INVALID', 'the apply removed the object');
    try {
      sendJson(
        res,
        current === undefined ? 201 : 200,
        await write(writesFor(ctx.store, url), resource, current),
      );
      return;
    } catch (err) {
      const raced =
        isStoreError(err) &&
        (err.code === 'AUTOMESH_ERR_STORE_CONFLICT' || err.code === 'AUTOMESH_ERR_STORE_EXISTS');
      if (!raced || attempt >= APPLY_ATTEMPTS) throw err;
    }
  }
}

function write(writes: ObjectWrites, resource: Resource, current: Resource | undefined): Promise<Resource> {
  if (current === undefined) return writes.create(resource);
  resource.metadata.resourceVersion = current.metadata.resourceVersion;
  return writes.update(resource);
}
