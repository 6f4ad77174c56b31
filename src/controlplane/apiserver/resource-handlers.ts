// CRUD on one kind's REST paths: list, get, create (POST), update (PUT), delete (object or
// collection by label selector). Watch is in watch-stream.ts, batch apply in apply-handler.ts.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseApiVersion, type Resource } from '../../api/index.js';
import { isStoreError, type ConfigStore } from '../../store/index.js';
import { ApiError } from './api-error.js';
import { sendJson } from './http-io.js';
import { parseFieldSelector, matchesFields } from './field-selector.js';
import { readBody } from './read-body.js';
import { acceptsTable, parseIncludeObject, toTable } from './table.js';
import type { Route } from './route.js';
import type { PodExecutor } from './pod-exec-handler.js';
import type { PodLogSource } from './pod-log-handler.js';
import type { DecodeFn } from './validate-write.js';
import { admitWrite } from './write-admission.js';

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

function listObject(route: ResourceRoute, items: Resource[], revision: number): unknown {
  return {
    apiVersion: route.apiVersion,
    kind: `${route.kind.kind}List`,
    metadata: { resourceVersion: String(revision) },
    items,
  };
}

/** The objects of a collection that match the request's label and field selectors. */
async function select(
  ctx: HandlerContext,
  route: ResourceRoute,
  url: URL,
): Promise<{ items: Resource[]; revision: number }> {
  const fields = parseFieldSelector(url.searchParams.get('fieldSelector'));
  const labelSelector = url.searchParams.get('labelSelector') ?? undefined;
  const listed = await ctx.store.list(route.kind.kind, {
    ...(route.namespace === undefined ? {} : { namespace: route.namespace }),
    ...(labelSelector === undefined ? {} : { labelSelector }),
  });
  return { items: listed.items.filter((item) => matchesFields(item, fields)), revision: listed.revision };
}

export async function handleGet(
  ctx: HandlerContext,
  route: ResourceRoute,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
): Promise<void> {
  const table = acceptsTable(req.headers.accept);
  const tableOf = (items: Resource[], resourceVersion?: string) =>
    toTable(route.kind.kind, items, {
      nowMs: ctx.nowMs(),
      includeObject: parseIncludeObject(url.searchParams.get('includeObject')),
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    });
  if (route.name !== undefined) {
    const found = await ctx.store.get(route.kind.kind, route.namespace, route.name);
    if (found === undefined) throw notFound(route);
    sendJson(res, 200, table ? tableOf([found], found.metadata.resourceVersion) : found);
    return;
  }
  const { items, revision } = await select(ctx, route, url);
  sendJson(res, 200, table ? tableOf(items, String(revision)) : listObject(route, items, revision));
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
    sendJson(res, 201, await ctx.store.create(resource));
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
  sendJson(res, 200, await ctx.store.update(resource));
}

export async function handleDelete(
  ctx: HandlerContext,
  route: ResourceRoute,
  url: URL,
  res: ServerResponse,
): Promise<void> {
  if (route.name !== undefined) {
    const deleted = await ctx.store.delete(route.kind.kind, route.namespace, route.name);
    if (deleted === undefined) throw notFound(route);
    sendJson(res, 200, deleted);
    return;
  }
  // Collection delete (kubectl delete KIND -l SELECTOR / --all): one all-or-nothing batch.
  const listed = await select(ctx, route, url);
  const results = await ctx.store.applyBatch(
    listed.items.map(
      (r) =>
        ({ op: 'delete', kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name }) as const,
    ),
  );
  sendJson(
    res,
    200,
    listObject(
      route,
      results.map((r) => r.resource),
      ctx.store.revision(),
    ),
  );
}
