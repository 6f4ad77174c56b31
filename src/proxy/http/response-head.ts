// Parses an HTTP/1.x response head from an upstream and works out how its body is framed,
// which depends on the request method (HEAD, CONNECT) as well as the status.

import { parseHeaderLines } from './head-lines.js';
import type { HeaderLine } from './head-lines.js';
import { HttpError } from './http-error.js';
import type { BodyFraming } from './request-head.js';

export interface ResponseHead {
  status: number;
  minor: 0 | 1;
  headers: HeaderLine[];
  body: BodyFraming;
  /** The upstream keeps the connection open after this response. */
  keepAlive: boolean;
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([0-9]{3})(?: [\t\x20-\x7e\x80-\xff]*)?$/;

function badResponse(message: string): HttpError {
  return new HttpError('AUTOMESH_ERR_PROXY_BAD_RESPONSE', message, 502);
}

export function parseResponseHead(head: string, requestMethod: string): ResponseHead {
  const lines = head.slice(0, head.length - 4).split('\r\n');
  const match = STATUS_LINE.exec(lines[0] ?? '');
  if (match === null) throw badResponse('malformed status line');
  const minor = match[1] === '1' ? 1 : 0;
  const status = Number(match[2]);
  const { headers, framing } = parseHeaderLines(lines.slice(1), badResponse);
  const tokens = framing.connection;
  let keepAlive = minor === 1 ? !tokens.includes('close') : tokens.includes('keep-alive');
  let body: BodyFraming;
  if (requestMethod === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) {
    body = { kind: 'none' };
  } else if (requestMethod === 'CONNECT' && status >= 200 && status < 300) {
    body = { kind: 'none' };
  } else if (framing.chunked) {
    body = { kind: 'chunked' };
  } else if (framing.contentLength !== undefined) {
    body = framing.contentLength > 0 ? { kind: 'length', length: framing.contentLength } : { kind: 'none' };
  } else {
    body = { kind: 'close' };
    keepAlive = false;
  }
  return { status, minor, headers, body, keepAlive };
}
