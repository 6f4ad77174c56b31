// A write's body as a JSON value: JSON (read-json-body.ts), or the protobuf kubectl's typed client
// sends for a few kinds (protobuf-body.ts).

import type { IncomingMessage } from 'node:http';
import { decodeProtobufObject, PROTOBUF_CONTENT_TYPE } from './protobuf-body.js';
import { readJsonBody, readRawBody } from './read-json-body.js';

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === PROTOBUF_CONTENT_TYPE) return decodeProtobufObject(await readRawBody(req, limitBytes));
  return readJsonBody(req, limitBytes);
}
