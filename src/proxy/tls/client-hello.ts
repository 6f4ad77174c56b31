// Reads the ALPN protocols a TLS ClientHello offers, from bytes peeked off a socket, without
// consuming them. Bounded and defensive: truncated or odd input gives an answer, never a throw.

/** What the first bytes of a connection say. */
export type HelloSniff = { kind: 'need-more' } | { kind: 'not-tls' } | { kind: 'tls'; alpn: string[] };

const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const ALPN_EXTENSION = 0x0010;
/** A ClientHello is bigger than one record only in exotic cases (post-quantum key shares); cap the wait. */
export const MAX_HELLO_BYTES = 16384 + 5;

/**
 * Sniffs the start of a connection. 'need-more' only while the first TLS record is incomplete
 * and under the cap; a ClientHello spread over several records is read from the first record only.
 */
export function sniffClientHello(buf: Buffer): HelloSniff {
  if (buf.length === 0) return { kind: 'need-more' };
  if (buf[0] !== HANDSHAKE) return { kind: 'not-tls' };
  if (buf.length < 5) return { kind: 'need-more' };
  if (buf[1] !== 0x03) return { kind: 'not-tls' };
  const recordLength = buf.readUInt16BE(3);
  const available = Math.min(buf.length - 5, recordLength);
  if (available < recordLength && buf.length < MAX_HELLO_BYTES) return { kind: 'need-more' };
  return { kind: 'tls', alpn: readAlpn(buf.subarray(5, 5 + available)) };
}

/** ALPN names from a handshake message body; [] when absent or malformed. */
function readAlpn(hs: Buffer): string[] {
  if (hs.length < 4 || hs[0] !== CLIENT_HELLO) return [];
  const end = Math.min(hs.length, 4 + hs.readUIntBE(1, 3));
  let p = 4 + 2 + 32; // version, random
  if (p >= end) return [];
  p += 1 + hs[p]!; // session id
  if (p + 2 > end) return [];
  p += 2 + hs.readUInt16BE(p); // cipher suites
  if (p >= end) return [];
  p += 1 + hs[p]!; // compression methods
  if (p + 2 > end) return [];
  const extEnd = Math.min(end, p + 2 + hs.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = hs.readUInt16BE(p);
    const len = hs.readUInt16BE(p + 2);
    p += 4;
    if (p + len > extEnd) return [];
    if (type === ALPN_EXTENSION) return readProtocolList(hs.subarray(p, p + len));
    p += len;
  }
  return [];
}

function readProtocolList(ext: Buffer): string[] {
  if (ext.length < 2) return [];
  const end = Math.min(ext.length, 2 + ext.readUInt16BE(0));
  const names: string[] = [];
  let p = 2;
  while (p < end) {
    const len = ext[p]!;
    if (len === 0 || p + 1 + len > end) break;
    names.push(ext.toString('latin1', p + 1, p + 1 + len));
    p += 1 + len;
  }
  return names;
}
