// Snapshot → wire bytes. The policy engine shares one outbound array among the proxies of a
// namespace, and outbound is most of a snapshot (hundreds of KB at 1,000 endpoints), so its JSON
// is produced and UTF-8 encoded once per array; each proxy's message is its own small head plus a
// copy of those bytes, framed by hand as the proto's SnapshotMessage.

import type { OutboundService, ProxySnapshot } from '../../api/index.js';

const outboundBytes = new WeakMap<OutboundService[], Buffer>();

/** The same JSON as `JSON.stringify(snapshot)`, in parts: the outbound part cached by array identity. */
function jsonParts(snapshot: ProxySnapshot): Buffer[] {
  let outbound = outboundBytes.get(snapshot.outbound);
  if (outbound === undefined) {
    outbound = Buffer.from(JSON.stringify(snapshot.outbound));
    outboundBytes.set(snapshot.outbound, outbound);
  }
  const { outbound: _outbound, ...rest } = snapshot;
  const head = JSON.stringify(rest);
  const open = head === '{}' ? '{"outbound":' : `${head.slice(0, -1)},"outbound":`;
  return [Buffer.from(open), outbound, Buffer.from('}')];
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

/** `SnapshotMessage{version, snapshot_json}` in protobuf binary form, ready for the stream. */
export function encodeSnapshotMessage(snapshot: ProxySnapshot): Buffer {
  return Buffer.concat([...field(1, [Buffer.from(snapshot.version)]), ...field(2, jsonParts(snapshot))]);
}
