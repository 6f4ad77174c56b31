// A gzip member that stores its data uncompressed (deflate "stored" blocks, RFC 1951 §3.2.4).
// Each proxy's snapshot head is a few hundred bytes: framing it costs a CRC, where a call into
// zlib costs a stream set-up, and a thousand of those was most of a mesh-wide push's CPU.

import { crc32 } from 'node:zlib';

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);
const MAX_STORED_BLOCK = 0xffff;

/** `data` as one gzip member with stored blocks; any gunzip reads it back unchanged. */
export function storedGzipMember(data: Buffer): Buffer {
  const parts: Buffer[] = [GZIP_HEADER];
  let offset = 0;
  do {
    const length = Math.min(MAX_STORED_BLOCK, data.length - offset);
    const final = offset + length >= data.length;
    const block = Buffer.alloc(5);
    block[0] = final ? 1 : 0;
    block.writeUInt16LE(length, 1);
    block.writeUInt16LE(~length & 0xffff, 3);
    parts.push(block, data.subarray(offset, offset + length));
    offset += length;
  } while (offset < data.length);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data) >>> 0, 0);
  trailer.writeUInt32LE(data.length >>> 0, 4);
  parts.push(trailer);
  return Buffer.concat(parts);
}
