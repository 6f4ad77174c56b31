// Reads a request body with a size limit and parses it as JSON: 413 past the limit, 400 on
// malformed JSON (with the parser's reason), 415 for a content type that is not JSON.

import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

/** Default request body limit: generous for manifests, small enough to refuse abuse. */
export const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/(json|merge-patch\+json|[\w.+-]*\+json)\b/i.test(type)) {
    throw new ApiError(
      'AUTOMESH_ERR_API_MEDIA_TYPE',
      `unsupported content type "${type}": send application/json`,
    );
  }
  const text = (await readRawBody(req, limitBytes)).toString('utf8');
  if (text.trim() === '')
    throw new ApiError('AUTOMESH_ERR_API_MALFORMED_JSON', 'the request body is empty: send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(
      'AUTOMESH_ERR_API_MALFORMED_JSON',
      `the request body is not valid JSON: ${(err as Error).message}`,
    );
  }
}

/** The body's bytes, 413 past the limit (declared or sent). */
export async function readRawBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limitBytes: number): ApiError {
  return new ApiError(
    'AUTOMESH_ERR_API_TOO_LARGE',
    `the request body is larger than the limit of ${limitBytes} bytes`,
  );
}
