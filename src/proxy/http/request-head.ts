// Parses an HTTP/1.x request head (request line + header lines) strictly enough to rule out
// request smuggling: one framing, one Host, no obs-fold, no bare LF.

import { parseHeaderLines, isToken } from './head-lines.js';
import type { HeaderLine } from './head-lines.js';
import { badRequest, HttpError } from './http-error.js';

export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Response only: the body runs until the connection closes. */
  | { kind: 'close' };

export interface RequestHead {
  method: string;
  /** The request target as sent: origin-form, absolute-form, or authority-form for CONNECT. */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1;
  headers: HeaderLine[];
  body: BodyFraming;
  /** The client asked to keep the connection open after this exchange. */
  keepAlive: boolean;
  /**
   * Connection: upgrade with `Upgrade: websocket`, the one upgrade forwarded (as Istio configures
   * Envoy). Any other (h2c among them) is ignored, as RFC 9110 lets a server do: its Upgrade header
   * is dropped and the request goes on as HTTP/1.1. After a 101 the sidecar forwards bytes without
   * reading them, so an app switching to, say, h2c would read headers the sidecar never checked.
   */
  upgrade: boolean;
  expectContinue: boolean;
  /** Lower-cased tokens of the Connection header (hop-by-hop header names among them). */
  connectionTokens: string[];
  /** The head as received (latin1, with the final CRLFCRLF). */
  raw: string;
  /** Every header line in raw reads `name: value` exactly as writeRequestHead would write it. */
  canonical: boolean;
}

const TARGET = /^[\x21-\x7e]+$/;
/** The only protocol a request may upgrade to through the sidecar. */
const FORWARDED_UPGRADE = 'websocket';

/** `head` is the latin1 text of the head including the final CRLFCRLF. */
export function parseRequestHead(head: string): RequestHead {
  const lines = head.slice(0, head.length - 4).split('\r\n');
  const requestLine = lines[0] ?? '';
  const parts = requestLine.split(' ');
  if (parts.length !== 3) throw badRequest('malformed request line');
  const [method = '', target = '', version = ''] = parts;
  if (!isToken(method)) throw badRequest('invalid method');
  if (!TARGET.test(target)) throw badRequest('invalid request target');
  const minor = parseVersion(version);
  const { headers, framing, canonical } = parseHeaderLines(lines.slice(1), badRequest);
  if (framing.hostCount > 1) throw badRequest('more than one Host');
  if (minor === 1 && framing.hostCount === 0) throw badRequest('HTTP/1.1 request without Host');
  if (minor === 0 && framing.hasTransferEncoding) throw badRequest('Transfer-Encoding in HTTP/1.0');
  const tokens = framing.connection;
  const keepAlive = minor === 1 ? !tokens.includes('close') : tokens.includes('keep-alive');
  const body: BodyFraming = framing.chunked
    ? { kind: 'chunked' }
    : framing.contentLength !== undefined && framing.contentLength > 0
      ? { kind: 'length', length: framing.contentLength }
      : { kind: 'none' };
  return {
    method,
    target,
    minor,
    headers,
    body,
    keepAlive,
    upgrade: framing.upgrade?.trim().toLowerCase() === FORWARDED_UPGRADE && tokens.includes('upgrade'),
    expectContinue: framing.expectContinue,
    connectionTokens: tokens,
    raw: head,
    // Only a head that really ends in CRLFCRLF (as the session's always do) can be forwarded as is.
    canonical: canonical && head.endsWith('\r\n\r\n'),
  };
}

function parseVersion(version: string): 0 | 1 {
  if (version === 'HTTP/1.1') return 1;
  if (version === 'HTTP/1.0') return 0;
  if (/^HTTP\/[0-9]\.[0-9]$/.test(version)) {
    throw new HttpError('AUTOMESH_ERR_PROXY_BAD_VERSION', 'unsupported HTTP version', 505);
  }
  throw badRequest('malformed HTTP version');
}

/**
 * Refuses, before the head is complete, bytes that cannot start a request line (a TLS ClientHello
 * on a plaintext port, binary junk), so the client hears 400 at once instead of waiting for a
 * head that will never end. Throws HttpError; returns when the prefix may still be valid.
 */
export function checkRequestPrefix(buf: Buffer): void {
  const lineEnd = buf.indexOf('\r\n', 0, 'latin1');
  // A CR at the very end may be the first half of the line's CRLF.
  const n =
    lineEnd !== -1 ? lineEnd : buf.length > 0 && buf[buf.length - 1] === 0x0d ? buf.length - 1 : buf.length;
  let spaces = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[i]!;
    if (c === 0x20) spaces++;
    else if (c <= 0x20 || c >= 0x7f) throw badRequest('malformed request line');
  }
  if (spaces > 2) throw badRequest('malformed request line');
  if (
    lineEnd !== -1 &&
    !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [\x21-\x7e]+ HTTP\/[0-9]\.[0-9]$/.test(buf.toString('latin1', 0, lineEnd))
  ) {
    throw badRequest('malformed request line');
  }
}
