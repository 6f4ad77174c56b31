// Joining a host, in kubeadm's shape. `GET clusterinfo` is public: the mesh root and where the
// control plane's servers are; the joining host trusts none of it until the root's hash matches
// the `--ca-cert-hash` it was given. `POST jointokens` (admin) makes a short-lived join token.
// `POST nodecredentials`, authenticated by a join token, trades it for a credential bound to one
// node name, which the host then uses for every call (node-restriction.ts decides what it may do).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import { sendJson } from './http-io.js';
import { readJsonBody } from './read-json-body.js';
import type { Principal } from './request-auth.js';
import { requireAdmin } from './request-auth.js';
import type { NodeJoinEndpoint } from './route.js';

/** What a host learns before it trusts anything: enough to check the root and reach the servers. */
export interface ClusterInfo {
  apiVersion: 'automesh.io/v1';
  kind: 'ClusterInfo';
  /** The mesh root (PEM); its SubjectPublicKeyInfo hash is the join command's `--ca-cert-hash`. */
  rootCertPem: string;
  /** Every API server address (`https://HOST:PORT`) this replica knows of. */
  apiServers: string[];
  caAddress: string;
  discoveryAddress: string;
  trustDomain: string;
  /** The cluster pod range when pods are routed between hosts; absent on one machine (loopback pods). */
  clusterCIDR?: string;
}

export interface NodeJoin {
  /** Undefined until every server of the control plane listens. */
  clusterInfo(): ClusterInfo | undefined;
  caCertHash(): string;
  createJoinToken(ttlSeconds: number | undefined): Promise<{ token: string; expiresAt: string }>;
  isValidJoinToken(token: string): Promise<boolean>;
  mintNodeCredential(nodeName: string): string;
  isNodeName(name: string): boolean;
}

const INVALID_JOIN_TOKEN =
  "Unauthorized: the join token is invalid or expired; make a new one on the control plane with 'automesh node token create'";

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function info(join: NodeJoin): ClusterInfo {
  const found = join.clusterInfo();
  if (found === undefined)
    throw new ApiError('AUTOMESH_ERR_API_NOT_FOUND', 'the control plane is still starting');
  return found;
}

export async function handleNodeJoin(
  join: NodeJoin | undefined,
  endpoint: NodeJoinEndpoint,
  principal: Principal,
  bodyLimitBytes: number,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (join === undefined)
    throw new ApiError('AUTOMESH_ERR_API_NOT_FOUND', 'this server takes no joining hosts');
  const method = req.method ?? 'GET';
  if (endpoint === 'clusterinfo') {
    if (method !== 'GET') throw new ApiError('AUTOMESH_ERR_API_METHOD', 'clusterinfo takes GET');
    return sendJson(res, 200, info(join));
  }
  if (method !== 'POST') throw new ApiError('AUTOMESH_ERR_API_METHOD', `${endpoint} takes POST`);
  if (endpoint === 'jointokens') {
    requireAdmin(principal, 'create join tokens');
    const body = objectBody(await readJsonBody(req, bodyLimitBytes));
    const ttl = body['ttlSeconds'];
    if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 1))
      throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', 'ttlSeconds must be a positive number');
    const issued = await join.createJoinToken(ttl).catch((err: unknown) => {
      throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', (err as Error).message, undefined, { cause: err });
    });
    const cluster = info(join);
    return sendJson(res, 201, {
      apiVersion: 'automesh.io/v1',
      kind: 'JoinToken',
      ...issued,
      caCertHash: join.caCertHash(),
      apiServers: cluster.apiServers,
    });
  }
  // nodecredentials: the join token is the only credential that counts here.
  const token = principal.kind === 'anonymous' ? principal.bearer : undefined;
  if (token === undefined || !(await join.isValidJoinToken(token)))
    throw new ApiError('AUTOMESH_ERR_API_UNAUTHORIZED', INVALID_JOIN_TOKEN);
  const body = objectBody(await readJsonBody(req, bodyLimitBytes));
  const nodeName = body['nodeName'];
  if (typeof nodeName !== 'string' || !join.isNodeName(nodeName))
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      'nodeName must be a lower-case DNS name (letters, digits, "-" and ".")',
    );
  sendJson(res, 201, {
    apiVersion: 'automesh.io/v1',
    kind: 'NodeCredential',
    nodeName,
    token: join.mintNodeCredential(nodeName),
  });
}
