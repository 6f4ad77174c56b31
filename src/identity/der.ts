// The few DER encodings a PKCS#10 request needs (X.690), so that a sidecar makes its CSR with
// node:crypto alone instead of loading a whole X.509 library for one small structure.

/** A tag, its definite length and the content: every DER value has this shape. */
function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content]);
  const lengthBytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
  return Buffer.concat([Buffer.from([tag, 0x80 | lengthBytes.length, ...lengthBytes]), content]);
}

export const der = {
  sequence: (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items)),
  set: (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items)),
  /** A non-negative integer small enough for one byte (a version number). */
  smallInteger: (value: number): Buffer => tlv(0x02, Buffer.from([value])),
  boolean: (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00])),
  octetString: (content: Buffer): Buffer => tlv(0x04, content),
  /** A bit string of whole bytes (no unused bits), as signatures and keys are. */
  bitString: (content: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), content])),
  /** `[n] IMPLICIT` of a constructed type: context-specific, constructed. */
  contextConstructed: (n: number, content: Buffer): Buffer => tlv(0xa0 | n, content),
  /** `[n] IMPLICIT IA5String`: context-specific, primitive (a GeneralName's URI is [6]). */
  contextPrimitive: (n: number, content: Buffer): Buffer => tlv(0x80 | n, content),
  objectIdentifier(dotted: string): Buffer {
    const arcs = dotted.split('.').map(Number);
    const [first = 0, second = 0, ...rest] = arcs;
    const bytes = [first * 40 + second];
    for (const arc of rest) {
      const base128: number[] = [arc & 0x7f];
      for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
        base128.unshift(0x80 | (value & 0x7f));
      }
      bytes.push(...base128);
    }
    return tlv(0x06, Buffer.from(bytes));
  },
};
