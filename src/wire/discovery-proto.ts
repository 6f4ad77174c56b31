// The Discovery wire contract (proto/discovery.proto): its messages encoded by hand
// (protobuf-codec.ts) and its one streaming method as data (wire-method.ts). Shared by the
// discovery server (control plane) and the discovery client (sidecar).

import type { WireMethod } from './wire-method.js';
import { ProtoWriter, asBytes, asNumber, asString, readFields } from './protobuf-codec.js';

/** A ProxyMessage; decoded ones name the oneof member that is set in `kind`. */
export interface ProxyMessage {
  kind?: 'hello' | 'ack' | 'nack' | 'certificate';
  hello?: { pod: string; namespace: string; version: string; accepts_gzip?: boolean };
  ack?: { version: string };
  nack?: { version: string; error: string };
  certificate?: CertificateStatusMessage;
}

/** The sidecar's SVID as it stands; times are RFC 3339, the renewal fields empty/0 while renewals succeed. */
export interface CertificateStatusMessage {
  serial_number: string;
  not_after: string;
  renewal_error: string;
  renewal_failing_since: string;
  renewal_failures: number;
}

export interface SnapshotMessage {
  version: string;
  snapshot_json: string;
  /** Set instead of `snapshot_json` for sidecars that accept gzip. */
  snapshot_json_gzip?: Buffer;
}

export const DISCOVERY_SERVICE_NAME = 'automesh.discovery.v1.Discovery';

/** The oneof member set first in `message` (a sidecar sets exactly one), as field number and bytes. */
function member(message: ProxyMessage): [number, Buffer] {
  if (message.hello !== undefined) {
    const h = message.hello;
    const body = new ProtoWriter().string(1, h.pod).string(2, h.namespace).string(3, h.version);
    return [1, body.bool(4, h.accepts_gzip === true).finish()];
  }
  if (message.ack !== undefined) return [2, new ProtoWriter().string(1, message.ack.version).finish()];
  if (message.nack !== undefined) {
    return [3, new ProtoWriter().string(1, message.nack.version).string(2, message.nack.error).finish()];
  }
  if (message.certificate !== undefined) {
    const c = message.certificate;
    const body = new ProtoWriter()
      .string(1, c.serial_number)
      .string(2, c.not_after)
      .string(3, c.renewal_error)
      .string(4, c.renewal_failing_since)
      .uint(5, c.renewal_failures);
    return [4, body.finish()];
  }
  throw new TypeError('a ProxyMessage sets one of hello, ack, nack, certificate');
}

export function encodeProxyMessage(message: ProxyMessage): Buffer {
  const [field, body] = member(message);
  return new ProtoWriter().message(field, body).finish();
}

export function decodeProxyMessage(buffer: Buffer): ProxyMessage {
  const message: ProxyMessage = {};
  // A oneof takes the last member on the wire, as protobuf decoders do.
  for (const f of readFields(buffer)) {
    const inner = f.bytes === undefined ? [] : readFields(f.bytes);
    const str = (n: number) =>
      inner
        .filter((i) => i.field === n)
        .map(asString)
        .pop() ?? '';
    const num = (n: number) =>
      inner
        .filter((i) => i.field === n)
        .map(asNumber)
        .pop() ?? 0;
    delete message.hello;
    delete message.ack;
    delete message.nack;
    delete message.certificate;
    if (f.field === 1) {
      message.kind = 'hello';
      message.hello = { pod: str(1), namespace: str(2), version: str(3), accepts_gzip: num(4) !== 0 };
    } else if (f.field === 2) {
      message.kind = 'ack';
      message.ack = { version: str(1) };
    } else if (f.field === 3) {
      message.kind = 'nack';
      message.nack = { version: str(1), error: str(2) };
    } else if (f.field === 4) {
      message.kind = 'certificate';
      message.certificate = {
        serial_number: str(1),
        not_after: str(2),
        renewal_error: str(3),
        renewal_failing_since: str(4),
        renewal_failures: num(5),
      };
    }
  }
  return message;
}

export function encodeSnapshotMessageFields(message: SnapshotMessage): Buffer {
  return new ProtoWriter()
    .string(1, message.version)
    .string(2, message.snapshot_json)
    .bytes(3, message.snapshot_json_gzip ?? Buffer.alloc(0))
    .finish();
}

export function decodeSnapshotMessage(buffer: Buffer): SnapshotMessage {
  const message: SnapshotMessage = { version: '', snapshot_json: '', snapshot_json_gzip: Buffer.alloc(0) };
  for (const f of readFields(buffer)) {
    if (f.field === 1) message.version = asString(f);
    else if (f.field === 2) message.snapshot_json = asString(f);
    else if (f.field === 3) message.snapshot_json_gzip = asBytes(f);
  }
  return message;
}

/** Discovery.StreamSnapshots (bidirectional). */
export const STREAM_SNAPSHOTS: WireMethod<ProxyMessage, SnapshotMessage> = {
  path: `/${DISCOVERY_SERVICE_NAME}/StreamSnapshots`,
  requestStream: true,
  responseStream: true,
  encodeRequest: encodeProxyMessage,
  decodeRequest: decodeProxyMessage,
  encodeResponse: encodeSnapshotMessageFields,
  decodeResponse: decodeSnapshotMessage,
};
