// Who a request comes from: the admin (the admin bearer token), a node (a node credential, held to
// its own node by node-restriction.ts), or nobody (only the join paths take that: cluster-info is
// public, the node-credential exchange checks its join token itself). Tokens are compared through
// SHA-256 digests with timingSafeEqual, so neither content nor length leaks through timing.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

export type Principal =
  | { kind: 'admin' }
  | { kind: 'node'; nodeName: string }
  /** No credential this server issued; `bearer` is what the request carried, if anything. */
  | { kind: 'anonymous'; bearer: string | undefined };

export interface NodeCredentialVerifier {
  /** The node a credential names, or undefined. */
  verify(token: string): string | undefined;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export function bearerOf(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** The admin token, or only its SHA-256 digest (what control-plane replicas share in the store). */
export type AdminTokenCheck = string | { sha256: Buffer };

export function requestAuthenticator(
  adminToken: AdminTokenCheck,
  nodes: NodeCredentialVerifier | undefined,
): (req: IncomingMessage) => Principal {
  if (typeof adminToken === 'string' && adminToken.length < 16)
    throw new Error('the admin token must be at least 16 characters');
  if (typeof adminToken !== 'string' && adminToken.sha256.length !== 32)
    throw new Error('the admin token digest must be 32 bytes (SHA-256)');
  const expected = typeof adminToken === 'string' ? digest(adminToken) : adminToken.sha256;
  return (req) => {
    const bearer = bearerOf(req);
    if (bearer === undefined) return { kind: 'anonymous', bearer };
    if (timingSafeEqual(digest(bearer), expected)) return { kind: 'admin' };
    const nodeName = nodes?.verify(bearer);
    return nodeName === undefined ? { kind: 'anonymous', bearer } : { kind: 'node', nodeName };
  };
}

/** Throws 401 unless the request carries the admin token or a node credential. */
export function requireCredential(
  principal: Principal,
): asserts principal is Exclude<Principal, { kind: 'anonymous' }> {
  if (principal.kind === 'anonymous')
    throw new ApiError(
      'AUTOMESH_ERR_API_UNAUTHORIZED',
      'Unauthorized: a valid admin bearer token or node credential is required',
    );
}

/** Throws 401 without a credential, 403 for a node: the admin's own paths (debug, exec, join tokens). */
export function requireAdmin(principal: Principal, what: string): void {
  requireCredential(principal);
  if (principal.kind === 'node')
    throw new ApiError('AUTOMESH_ERR_API_FORBIDDEN', `node "${principal.nodeName}" cannot ${what}`);
}
