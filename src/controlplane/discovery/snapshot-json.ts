// Snapshot → wire bytes. The policy engine shares one outbound array among the proxies of a
// namespace, and outbound is most of a snapshot (hundreds of KB at 1,000 endpoints), so its JSON
// is produced, UTF-8 encoded and gzip-compressed once per array. Each proxy's message is its own
// small head plus those shared bytes, framed by hand as the proto's SnapshotMessage. Compressed,
// the parts are separate gzip members, which concatenate into one valid gzip stream (RFC 1952);
// the small per-proxy head travels as a stored (uncompressed) member.

import { gzipSync } from 'node:zlib';
import type { OutboundService, ProxySnapshot } from '../../api/index.js';
import { storedGzipMember } from './stored-gzip.js';

interface OutboundBytes {
  json: Buffer;
  gzip?: Buffer;
}

const outboundCache = new WeakMap<OutboundService[], OutboundBytes>();
const CLOSE_BRACE = Buffer.from('}');
const CLOSE_BRACE_GZIP = storedGzipMember(CLOSE_BRACE);

function outboundOf(snapshot: ProxySnapshot): OutboundBytes {
  let cached = outboundCache.get(snapshot.outbound);
  if (cached === undefined) {
    cached = { json: Buffer.from(JSON.stringify(snapshot.outbound)) };
    outboundCache.set(snapshot.outbound, cached);
  }
  return cached;
}

/** Everything before the outbound list: `{"version":…,"inbound":[…],"outbound":`. */
function headOf(snapshot: ProxySnapshot): Buffer {
  const { outbound: _outbound, ...rest } = snapshot;
  const head = JSON.stringify(rest);
  return Buffer.from(head === '{}' ? '{"outbound":' : `${head.slice(0, -1)},"outbound":`);
}

/** The same JSON as `JSON.stringify(snapshot)`, in parts. */
function jsonParts(snapshot: ProxySnapshot): Buffer[] {
  return [headOf(snapshot), outboundOf(snapshot).json, CLOSE_BRACE];
}

/** That JSON as gzip members: only the shared outbound part is compressed, once per array. */
function gzipParts(snapshot: ProxySnapshot): Buffer[] {
  const outbound = outboundOf(snapshot);
  outbound.gzip ??= gzipSync(outbound.json);
  return [storedGzipMember(headOf(snapshot)), outbound.gzip, CLOSE_BRACE_GZIP];
}

export function snapshotJson(snapshot: ProxySnapshot): string {
  return Buffer.concat(jsonParts(snapshot)).toString('utf8');
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** Length-delimited field: tag (field number, wire type 2), length, bytes. */
function field(number: number, parts: Buffer[]): Buffer[] {
  const length = parts.reduce((sum, p) => sum + p.length, 0);
  return [Buffer.from([(number << 3) | 2]), varint(length), ...parts];
}

/**
 * `SnapshotMessage{version, snapshot_json}` in protobuf binary form, ready for the stream; with
 * `gzip`, `snapshot_json_gzip` (field 3) instead of the plain JSON.
 */
export function encodeSnapshotMessage(snapshot: ProxySnapshot, options: { gzip?: boolean } = {}): Buffer {
  const body = options.gzip === true ? field(3, gzipParts(snapshot)) : field(2, jsonParts(snapshot));
  return Buffer.concat([...field(1, [Buffer.from(snapshot.version)]), ...body]);
}
