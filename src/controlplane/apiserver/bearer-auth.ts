// Bearer-token check for every request. Compares SHA-256 digests with timingSafeEqual so neither
// the token's content nor its length leaks through response timing.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** The admin token, or only its SHA-256 digest (what control-plane replicas share in the store). */
export type AdminTokenCheck = string | { sha256: Buffer };

export function bearerChecker(adminToken: AdminTokenCheck): (req: IncomingMessage) => void {
  if (typeof adminToken === 'string' && adminToken.length < 16)
    throw new Error('the admin token must be at least 16 characters');
  if (typeof adminToken !== 'string' && adminToken.sha256.length !== 32)
    throw new Error('the admin token digest must be 32 bytes (SHA-256)');
  const expected = typeof adminToken === 'string' ? digest(adminToken) : adminToken.sha256;
  return (req) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1] ?? ''), expected)) {
      throw new ApiError(
        'AUTOMESH_ERR_API_UNAUTHORIZED',
        'Unauthorized: a valid admin bearer token is required',
      );
    }
  };
}
