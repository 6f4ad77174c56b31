// Which pod an SVID was issued to. The SPIFFE ID names only namespace and service account, which
// every pod of that account shares; the CA also writes the pod's name and UID into a private,
// non-critical extension so that renewal and discovery can hold a certificate to its own pod.
// Peers that do not know the extension ignore it (RFC 5280 §4.2). It is trusted only in a
// certificate whose chain was verified: the CA alone can write it.

import { x509 } from './x509.js';

/**
 * OID of the pod-binding extension. Only this CA writes it and only this control plane reads it,
 * in certificates that chain to the mesh root, so a clash with another use of the OID could not
 * change what it means here. It sits under IANA's enterprise number for documentation (RFC 5612)
 * until the project has its own. (A UUID OID, arc 2.25, would need no registration, but its
 * 128-bit arc does not survive the X.509 library's certificate generator.)
 */
export const POD_BINDING_OID = '1.3.6.1.4.1.32473.7401.1';

export interface CertificatePodBinding {
  /** Pod name (its namespace is the SPIFFE ID's). */
  pod: string;
  podUid: string;
}

/** Kubernetes names and UIDs are far shorter; anything longer is refused when read. */
const MAX_FIELD_BYTES = 253;
const SEQUENCE = 0x30;
const UTF8_STRING = 0x0c;

function derLength(n: number): Buffer {
  return n < 0x80 ? Buffer.from([n]) : Buffer.from([0x81, n]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

function utf8String(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0 || bytes.length > MAX_FIELD_BYTES) throw new RangeError('pod binding field length');
  return tlv(UTF8_STRING, bytes);
}

/** The extension's DER value: SEQUENCE { UTF8String pod, UTF8String podUid }. */
export function encodePodBinding(binding: CertificatePodBinding): Buffer {
  return tlv(SEQUENCE, Buffer.concat([utf8String(binding.pod), utf8String(binding.podUid)]));
}

/** One TLV at `offset`: its tag, content and where the next starts; undefined when malformed. */
function readTlv(der: Buffer, offset: number): { tag: number; content: Buffer; end: number } | undefined {
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (tag === undefined || length === undefined) return undefined;
  if (length === 0x81 || length === 0x82) {
    const size = length - 0x80;
    length = size === 1 ? der[offset + 2] : (der[offset + 2] ?? 0) * 256 + (der[offset + 3] ?? 0);
    start = offset + 2 + size;
    if (length === undefined || start > der.length) return undefined;
  } else if (length >= 0x80) return undefined;
  const end = start + length;
  if (end > der.length) return undefined;
  return { tag, content: der.subarray(start, end), end };
}

/** Parses the extension's value; undefined when it is not exactly the shape `encode` writes. */
export function decodePodBinding(der: Buffer): CertificatePodBinding | undefined {
  const outer = readTlv(der, 0);
  if (outer?.tag !== SEQUENCE || outer.end !== der.length) return undefined;
  const pod = readTlv(outer.content, 0);
  const uid = pod === undefined ? undefined : readTlv(outer.content, pod.end);
  if (pod?.tag !== UTF8_STRING || uid?.tag !== UTF8_STRING || uid.end !== outer.content.length)
    return undefined;
  if (pod.content.length === 0 || uid.content.length === 0) return undefined;
  return { pod: pod.content.toString('utf8'), podUid: uid.content.toString('utf8') };
}

/** The extension to add to a leaf certificate (not critical: peers that do not know it ignore it). */
export function podBindingExtension(binding: CertificatePodBinding): x509.Extension {
  return new x509.Extension(POD_BINDING_OID, false, encodePodBinding(binding));
}

/** The pod a certificate (DER or PEM) was issued to, or undefined when it carries no binding. */
export function podBindingOf(cert: Buffer | string): CertificatePodBinding | undefined {
  let parsed: x509.X509Certificate;
  try {
    parsed = new x509.X509Certificate(cert);
  } catch {
    // A certificate that does not parse carries no binding; its chain check refuses it anyway.
    return undefined;
  }
  const found = parsed.extensions.filter((e) => e.type === POD_BINDING_OID);
  if (found.length !== 1 || found[0] === undefined) return undefined;
  return decodePodBinding(Buffer.from(found[0].value));
}
