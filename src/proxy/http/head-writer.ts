// Re-serializes a request head for the next hop: hop-by-hop headers dropped (RFC 9110 §7.6.1),
// the caller's extra lines appended, one latin1 string so the head goes out in one write.

import type { HeaderLine } from './head-lines.js';
import type { RequestHead } from './request-head.js';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'upgrade',
  'x-forwarded-client-cert',
]);

// Headers a Connection token must never remove: dropping them would change the message's framing
// or routing between this hop and the next (a smuggling vector).
const PROTECTED = new Set(['content-length', 'transfer-encoding', 'host']);

export interface HeadRewrite {
  /** Request target to send (origin-form for the next hop). */
  target: string;
  /** Extra header lines (without CRLF), appended after the kept ones. */
  append: string[];
}

const XFCC_WITH_UNDERSCORES = /^x[-_]forwarded[-_]client[-_]cert$/;

export function isDropped(lowerName: string, connectionTokens: readonly string[]): boolean {
  if (HOP_BY_HOP.has(lowerName) || lowerName.startsWith('proxy-')) return true;
  // CGI-style apps (WSGI, PHP, Rack) read x_forwarded_client_cert as HTTP_X_FORWARDED_CLIENT_CERT: a forged XFCC.
  if (lowerName.length === 23 && XFCC_WITH_UNDERSCORES.test(lowerName)) return true;
  return connectionTokens.includes(lowerName) && !PROTECTED.has(lowerName);
}

export function writeRequestHead(head: RequestHead, rewrite: HeadRewrite): string {
  if (head.canonical && !head.upgrade && rewrite.target === head.target && !dropsAny(head)) {
    // Nothing to drop or re-space: the head as received is what the loop below would write, and
    // one flat string plus the appended lines is cheaper to build and to write than a rebuilt one.
    let out = head.raw.slice(0, head.raw.length - 2);
    for (const line of rewrite.append) out += `${line}\r\n`;
    return out + '\r\n';
  }
  let out = `${head.method} ${rewrite.target} HTTP/1.${head.minor}\r\n`;
  let upgradeValue: string | undefined;
  for (const [name, value] of head.headers) {
    const lower = name.toLowerCase();
    if (lower === 'upgrade') upgradeValue = value;
    if (isDropped(lower, head.connectionTokens)) continue;
    out += `${name}: ${value}\r\n`;
  }
  if (head.upgrade && upgradeValue !== undefined) {
    out += `Connection: upgrade\r\nUpgrade: ${upgradeValue}\r\n`;
  }
  for (const line of rewrite.append) out += `${line}\r\n`;
  return out + '\r\n';
}

function dropsAny(head: RequestHead): boolean {
  for (const [name] of head.headers) if (isDropped(name.toLowerCase(), head.connectionTokens)) return true;
  return false;
}

/** The value of the first header with this (lower-case) name. */
export function headerValue(headers: readonly HeaderLine[], lowerName: string): string | undefined {
  for (const [name, value] of headers) if (name.toLowerCase() === lowerName) return value;
  return undefined;
}
