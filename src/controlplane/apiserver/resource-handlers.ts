// CRUD on one kind's REST paths: list, get, create (POST), update (PUT), delete (object or
// collection by label selector). Watch is in watch-stream.ts, batch apply in apply-handler.ts.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseApiVersion, type Resource } from '../../api/index.js';
import { isStoreError, type ConfigStore } from '../../store/index.js';
import { ApiError } from './api-error.js';
import { sendJson } from './http-io.js';
import { parseFieldSelector, matchesFields } from './field-selector.js';
import { expiredContinue, pageOf, parsePageRequest, type Page } from './list-paging.js';
import { readBody } from './read-body.js';
import { acceptsTable, parseIncludeObject, toTable, type Table } from './table.js';
import type { Route } from './route.js';
import type { PodExecutor } from './pod-exec-handler.js';
import type { PodLogSource } from './pod-log-handler.js';
import type { DecodeFn } from './validate-write.js';
import { admitWrite } from './write-admission.js';
import { deleteOptionsDryRun, isDryRun, writesFor } from './dry-run.js';
import { keepManagedFields } from './apply/managed-fields.js';
import { fieldManagerOf, managedFieldsTime } from './server-side-apply-handler.js';

export interface HandlerContext {
  store: ConfigStore;
  decode: DecodeFn;
  bodyLimitBytes: number;
  /** The clock for Table AGE cells. */
  nowMs: () => number;
  /** Where pods' container output is; absent: no logs served. */
  podLogs: PodLogSource | undefined;
  /** How commands run in pods' containers; absent: no exec. */
  podExec: PodExecutor | undefined;
  /** How often a watch with `allowWatchBookmarks=true` gets a BOOKMARK. */
  bookmarkIntervalMs: number;
  /** How long a watch without timeoutSeconds lasts (drawn anew for each watch). */
  defaultWatchTimeoutMs: () => number;
}

export type ResourceRoute = Extract<Route, { type: 'resource' }>;

/** kube-apiserver's name for what a path addresses: `pods`, `peerauthentications.security.istio.io`. */
export function groupResource(route: ResourceRoute): string {
  const { group } = parseApiVersion(route.apiVersion);
  return group === '' ? route.kind.plural : `${route.kind.plural}.${group}`;
}

export function notFound(route: ResourceRoute): ApiError {
  return new ApiError(
    'AUTOMESH_ERR_API_NOT_FOUND',
    `${groupResource(route)} "${route.name ?? ''}" not found`,
    {
      ...(route.name === undefined ? {} : { name: route.name }),
      kind: route.kind.plural,
    },
  );
}

/** A list's `metadata`: its revision, and where the next page starts when there is one. */
export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

function listMetaOf(revision: number, page?: Page): ListMeta {
  return {
    resourceVersion: String(revision),
    ...(page?.continue === undefined ? {} : { continue: page.continue }),
    ...(page?.remainingItemCount === undefined ? {} : { remainingItemCount: page.remainingItemCount }),
  };
}

function listObject(route: ResourceRoute, items: Resource[], metadata: ListMeta): unknown {
  return { apiVersion: route.apiVersion, kind: `${route.kind.kind}List`, metadata, items };
}

/** A list's `resourceVersion` with `resourceVersionMatch=Exact`: read at that revision. */
function exactRevision(params: URLSearchParams): number | undefined {
  if (params.get('resourceVersionMatch') !== 'Exact') return undefined;
  const rv = params.get('resourceVersion') ?? '';
  if (!/^[1-9]\d*$/.test(rv))
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `resourceVersionMatch=Exact needs a resourceVersion, got "${rv}"`,
    );
  return Number(rv);
}

/**
 * The objects of a collection that match the request's label and field selectors, as they are or
 * (`atRevision`) as they were.
 */
async function select(
  ctx: HandlerContext,
  route: ResourceRoute,
  url: URL,
  atRevision?: number,
): Promise<{ items: Resource[]; revision: number; selected: boolean }> {
  const fields = parseFieldSelector(url.searchParams.get('fieldSelector'));
  const labelSelector = url.searchParams.get('labelSelector') ?? undefined;
  const listed = await ctx.store.list(route.kind.kind, {
    ...(route.namespace === undefined ? {} : { namespace: route.namespace }),
    ...(labelSelector === undefined || labelSelector === '' ? {} : { labelSelector }),
    ...(atRevision === undefined ? {} : { atRevision }),
  });
  return {
    items: listed.items.filter((item) => matchesFields(item, fields)),
    revision: listed.revision,
    selected: (labelSelector ?? '') !== '' || fields.length > 0,
  };
}

/** One page of a collection (the whole of it without `limit`), read as kube-apiserver pages. */
async function listPage(
  ctx: HandlerContext,
  route: ResourceRoute,
  url: URL,
): Promise<{ page: Page; revision: number }> {
  const request = parsePageRequest(url.searchParams);
  const at = request.from === undefined ? exactRevision(url.searchParams) : request.from.revision;
  let listed;
  try {
    listed = await select(ctx, route, url, at);
  } catch (err) {
    if (request.from !== undefined && isStoreError(err, 'AUTOMESH_ERR_STORE_COMPACTED'))
      throw expiredContinue(request.from.after, err);
    throw err;
  }
  return { page: pageOf(listed.items, listed.revision, request, listed.selected), revision: listed.revision };
}

export async function handleGet(
  ctx: HandlerContext,
  route: ResourceRoute,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
): Promise<void> {
  const table = acceptsTable(req.headers.accept);
  const tableOf = (items: Resource[], metadata: Table['metadata']) =>
    toTable(route.kind.kind, items, {
      nowMs: ctx.nowMs(),
      includeObject: parseIncludeObject(url.searchParams.get('includeObject')),
      metadata,
    });
  if (route.name !== undefined) {
    const found = await ctx.store.get(route.kind.kind, route.namespace, route.name);
    if (found === undefined) throw notFound(route);
    const { resourceVersion } = found.metadata;
    sendJson(
      res,
      200,
      table ? tableOf([found], resourceVersion === undefined ? {} : { resourceVersion }) : found,
    );
    return;
  }
  const { page, revision } = await listPage(ctx, route, url);
  const metadata = listMetaOf(revision, page);
  sendJson(res, 200, table ? tableOf(page.items, metadata) : listObject(route, page.items, metadata));
}

async function decodeBody(
  ctx: HandlerContext,
  route: ResourceRoute,
  req: IncomingMessage,
): Promise<Resource> {
  const [resource] = await admitWrite(ctx, route, [await readBody(req, ctx.bodyLimitBytes)]);
  if (resource === undefined) throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', 'the request has no object');
  return resource;
}

export async function handleCreate(
  ctx: HandlerContext,
  route: ResourceRoute,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
): Promise<void> {
  if (route.name !== undefined)
    throw new ApiError('AUTOMESH_ERR_API_METHOD', 'POST goes to a collection, not to one object');
  if (route.kind.namespaced && route.namespace === undefined) {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `${route.kind.plural} are namespaced: POST to /namespaces/{namespace}/${route.kind.plural}`,
    );
  }
  const resource = await decodeBody(ctx, route, req);
  try {
    sendJson(res, 201, await writesFor(ctx.store, url).create(resource));
  } catch (err) {
    // The store does not know the REST names; kubectl prints this message as is.
    if (!isStoreError(err, 'AUTOMESH_ERR_STORE_EXISTS')) throw err;
    const { name } = resource.metadata;
    throw new ApiError(
      'AUTOMESH_ERR_API_ALREADY_EXISTS',
      `${groupResource(route)} "${name}" already exists`,
      { name, kind: route.kind.plural },
      { cause: err },
    );
  }
}

export async function handleUpdate(
  ctx: HandlerContext,
  route: ResourceRoute,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
): Promise<void> {
  if (route.name === undefined)
    throw new ApiError('AUTOMESH_ERR_API_METHOD', 'PUT goes to one object, not to a collection');
  const resource = await decodeBody(ctx, route, req);
  if (resource.metadata.name !== route.name) {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `the name of the object ("${resource.metadata.name}") does not match the name in the path ("${route.name}")`,
    );
  }
  const current = await ctx.store.get(route.kind.kind, route.namespace, route.name);
  if (current === undefined) throw notFound(route);
  keepManagedFields(resource, current, fieldManagerOf(url, req), managedFieldsTime(ctx.nowMs()));
  sendJson(res, 200, await writesFor(ctx.store, url).update(resource));
}

export async function handleDelete(
  ctx: HandlerContext,
  route: ResourceRoute,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
): Promise<void> {
  const bodyDryRun = await deleteOptionsDryRun(req, ctx.bodyLimitBytes);
  if (route.name !== undefined) {
    const deleted = await writesFor(ctx.store, url, bodyDryRun).delete(
      route.kind.kind,
      route.namespace,
      route.name,
    );
    if (deleted === undefined) throw notFound(route);
    sendJson(res, 200, deleted);
    return;
  }
  // Collection delete (kubectl delete KIND -l SELECTOR / --all): one all-or-nothing batch.
  const listed = await select(ctx, route, url);
  const deleted = isDryRun(url, bodyDryRun)
    ? listed.items
    : (
        await ctx.store.applyBatch(
          listed.items.map(
            (r) =>
              ({
                op: 'delete',
                kind: r.kind,
                namespace: r.metadata.namespace,
                name: r.metadata.name,
              }) as const,
          ),
        )
      ).map((r) => r.resource);
  sendJson(res, 200, listObject(route, deleted, listMetaOf(ctx.store.revision())));
}
