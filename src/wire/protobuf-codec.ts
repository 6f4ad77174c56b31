// The slice of protobuf's binary encoding the mesh's own messages use (proto/ca.proto,
// proto/discovery.proto): varints (uint32, int64 as a safe integer, bool) and length-delimited
// fields (string, bytes, nested messages), written and read by hand so that the sidecar loads
// neither proto-loader nor protobufjs (about 5 MiB of its resident memory). Unknown fields are
// skipped, as protobuf requires; malformed input throws, and grpc-js turns that into an error
// status for the call.

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** Builds one message: fields in any order, defaults (0, '', false, empty) left out as proto3 does. */
export class ProtoWriter {
  private readonly parts: Buffer[] = [];

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  private varint(value: number): void {
    const bytes: number[] = [];
    let v = value;
    while (v > 0x7f) {
      bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }

  /** uint32 and non-negative int64 (a safe integer). */
  uint(field: number, value: number): this {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`field ${field}: ${value} is not a safe unsigned integer`);
    if (value === 0) return this;
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  bool(field: number, value: boolean): this {
    return value ? this.uint(field, 1) : this;
  }

  bytes(field: number, value: Buffer): this {
    if (value.length === 0) return this;
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** A nested message, written even when empty (its presence says which oneof member is set). */
  message(field: number, value: Buffer): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.parts.push(value);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** One field as read: its number and either a varint or the bytes of a length-delimited value. */
export type ProtoField =
  { field: number; varint: number; bytes?: undefined } | { field: number; bytes: Buffer };

/** Every known-shape field of `buffer` in order; fixed-width fields are skipped. */
export function readFields(buffer: Buffer): ProtoField[] {
  const fields: ProtoField[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = buffer[at++];
      if (byte === undefined) throw new RangeError('protobuf: truncated varint');
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 0x80;
    }
    throw new RangeError('protobuf: varint longer than 10 bytes');
  };
  while (at < buffer.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === WIRE_VARINT) fields.push({ field, varint: varint() });
    else if (wire === WIRE_LEN) {
      const length = varint();
      if (at + length > buffer.length) throw new RangeError('protobuf: length past the end of the message');
      fields.push({ field, bytes: buffer.subarray(at, at + length) });
      at += length;
    } else if (wire === WIRE_I64) at += 8;
    else if (wire === WIRE_I32) at += 4;
    else throw new RangeError(`protobuf: unsupported wire type ${wire}`);
  }
  if (at > buffer.length) throw new RangeError('protobuf: fixed-width field past the end of the message');
  return fields;
}

export const asString = (f: ProtoField): string => (f.bytes === undefined ? '' : f.bytes.toString('utf8'));
export const asBytes = (f: ProtoField): Buffer => f.bytes ?? Buffer.alloc(0);
export const asNumber = (f: ProtoField): number => (f.bytes === undefined ? f.varint : 0);
