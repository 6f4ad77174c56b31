// Shared strict parsing of header lines (RFC 9112 §5) for request and response heads.
// Heads are latin1 strings; only framing headers are interpreted, the rest kept as raw lines.

import { HttpError } from './http-error.js';

/** One header as it appeared: the name with its case, the value with surrounding whitespace trimmed. */
export type HeaderLine = [name: string, value: string];

export interface FramingHeaders {
  contentLength: number | undefined;
  chunked: boolean;
  /** Lower-cased tokens of every Connection header. */
  connection: string[];
  hasTransferEncoding: boolean;
  upgrade: string | undefined;
  expectContinue: boolean;
  hostCount: number;
}

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// field-value: visible chars, SP, HTAB and obs-text; no CR, LF or NUL or other controls.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const DIGITS = /^[0-9]+$/;

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/** Parses the header lines of a head (lines after the start line), throwing HttpError on anything ambiguous. */
export function parseHeaderLines(
  lines: string[],
  makeError: (message: string) => HttpError,
): { headers: HeaderLine[]; framing: FramingHeaders; canonical: boolean } {
  const headers: HeaderLine[] = [];
  let canonical = true;
  const framing: FramingHeaders = {
    contentLength: undefined,
    chunked: false,
    connection: [],
    hasTransferEncoding: false,
    upgrade: undefined,
    expectContinue: false,
    hostCount: 0,
  };
  for (const line of lines) {
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) throw makeError('obsolete line folding in a header');
    const colon = line.indexOf(':');
    if (colon <= 0) throw makeError('header line without a name');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw makeError('invalid header name');
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) throw makeError('invalid character in a header value');
    // `name: value` exactly as it would be written back (one space after the colon, no other whitespace).
    if (line.length !== colon + 2 + value.length || line.charCodeAt(colon + 1) !== 0x20) canonical = false;
    headers.push([name, value]);
    interpretFraming(name.toLowerCase(), value, framing, makeError);
  }
  if (framing.hasTransferEncoding && framing.contentLength !== undefined) {
    throw makeError('both Content-Length and Transfer-Encoding');
  }
  return { headers, framing, canonical };
}

function interpretFraming(
  lower: string,
  value: string,
  framing: FramingHeaders,
  makeError: (message: string) => HttpError,
): void {
  switch (lower) {
    case 'content-length': {
      if (framing.contentLength !== undefined) throw makeError('more than one Content-Length');
      if (!DIGITS.test(value) || value.length > 15) throw makeError('invalid Content-Length');
      framing.contentLength = Number(value);
      return;
    }
    case 'transfer-encoding': {
      if (framing.hasTransferEncoding) throw makeError('more than one Transfer-Encoding');
      framing.hasTransferEncoding = true;
      if (value.toLowerCase() !== 'chunked') {
        throw new HttpError('AUTOMESH_ERR_PROXY_NOT_IMPLEMENTED', 'unsupported Transfer-Encoding', 501);
      }
      framing.chunked = true;
      return;
    }
    case 'connection':
      for (const t of value.split(',')) {
        const token = t.trim().toLowerCase();
        if (token !== '') framing.connection.push(token);
      }
      return;
    case 'upgrade':
      framing.upgrade = value;
      return;
    case 'expect':
      if (value.toLowerCase() === '100-continue') framing.expectContinue = true;
      return;
    case 'host':
      framing.hostCount++;
      return;
    default:
      return;
  }
}

/** Where a head ends: the index just past CRLFCRLF, -1 if not there yet. Throws when over the limit. */
export function findHeadEnd(buf: Buffer, maxHeadBytes: number): number {
  const at = buf.indexOf('\r\n\r\n', 0, 'latin1');
  if (at === -1) {
    if (buf.length > maxHeadBytes) {
      throw new HttpError('AUTOMESH_ERR_PROXY_HEAD_TOO_LARGE', 'head larger than the limit', 431);
    }
    return -1;
  }
  if (at + 4 > maxHeadBytes) {
    throw new HttpError('AUTOMESH_ERR_PROXY_HEAD_TOO_LARGE', 'head larger than the limit', 431);
  }
  return at + 4;
}
