// Sends an authenticated request to the handler for its path and method: discovery, the resource
// paths (list, get, watch, create, update, delete) and automesh's batch apply. Handlers throw; the API
// server's error mapper answers.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import { handleApply } from './apply-handler.js';
import { handleDiscovery } from './discovery-handler.js';
import {
  handleCreate,
  handleDelete,
  handleGet,
  handleUpdate,
  type HandlerContext,
} from './resource-handlers.js';
import { handlePatch } from './patch-handler.js';
import { handlePodLog } from './pod-log-handler.js';
import { parseRoute } from './route.js';
import { handleWatch, type WatchRegistry } from './watch-stream.js';
import { queryFlag } from './query-flag.js';
import { handleNodeJoin, type NodeJoin } from './node-join-handlers.js';
import { nodeRestrictedStore } from './node-restriction.js';
import { requireAdmin, requireCredential, type Principal } from './request-auth.js';
import { handleTokenRequest, type PodTokenMinter } from './token-request-handler.js';

/** What the join and token paths need beyond the store; absent parts answer 404. */
export interface NodeAccess {
  nodeJoin?: NodeJoin;
  podTokens?: PodTokenMinter;
}

export async function routeRequest(
  base: HandlerContext,
  access: NodeAccess,
  principal: Principal,
  watches: WatchRegistry,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let target;
  try {
    target = parseRoute(url.pathname);
  } catch (err) {
    requireCredential(principal); // nobody learns which paths exist without a credential
    throw err;
  }
  const method = req.method ?? 'GET';
  // The join paths take hosts that have no credential yet; everything else needs one.
  if (target.type === 'node-join')
    return handleNodeJoin(access.nodeJoin, target.endpoint, principal, base.bodyLimitBytes, req, res);
  requireCredential(principal);
  const ctx: HandlerContext =
    principal.kind === 'node'
      ? { ...base, store: nodeRestrictedStore(base.store, principal.nodeName) }
      : base;
  if (target.type === 'serviceaccount-token')
    return handleTokenRequest(ctx.store, access.podTokens, target, principal, ctx.bodyLimitBytes, req, res);
  if (target.type === 'pod-log') requireAdmin(principal, 'read pod logs');
  if (target.type === 'pod-exec') {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      'exec needs a WebSocket upgrade (v5.channel.k8s.io); kubectl 1.30 and newer use one',
    );
  }
  if (target.type === 'pod-log') {
    if (method !== 'GET') throw new ApiError('AUTOMESH_ERR_API_METHOD', 'pod logs take GET');
    return handlePodLog(ctx, target, url, res, watches);
  }
  if (target.type !== 'apply' && target.type !== 'resource') return handleDiscovery(target, method, res);
  if (target.type === 'apply') {
    if (method !== 'POST') throw new ApiError('AUTOMESH_ERR_API_METHOD', 'apply takes POST');
    return handleApply(ctx, req, res);
  }
  if (method === 'GET' && queryFlag(url.searchParams, 'watch'))
    return handleWatch(ctx, target, req, url, res, watches);
  if (method === 'GET') return handleGet(ctx, target, req, url, res);
  if (method === 'POST') return handleCreate(ctx, target, req, url, res);
  if (method === 'PUT') return handleUpdate(ctx, target, req, url, res);
  if (method === 'PATCH') return handlePatch(ctx, target, req, url, res);
  if (method === 'DELETE') return handleDelete(ctx, target, req, url, res);
  throw new ApiError(
    'AUTOMESH_ERR_API_METHOD',
    `method ${method} is not supported; use GET, POST, PUT, PATCH or DELETE`,
  );
}
