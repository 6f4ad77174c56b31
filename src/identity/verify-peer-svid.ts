// Checks a peer's X.509-SVID ourselves: chain to a mesh root, validity at `now`, CA=false,
// exactly one SPIFFE URI SAN in our trust domain. Used where the TLS stack's own verdict is
// unavailable or not trusted (e.g. the CA server, which accepts connections without a client cert).

import { X509Certificate } from 'node:crypto';
import { parseSpiffeId, uriSans } from './spiffe-id.js';
import type { WorkloadIdentity } from './spiffe-id.js';

export type PeerSvidCheck =
  | { ok: true; spiffeId: string; identity: WorkloadIdentity; serialNumber: string; notAfter: Date }
  | { ok: false; reason: string };

export interface VerifyPeerSvidOptions {
  /** Intermediates the peer may chain through (e.g. a plugged-in CA's chain). */
  intermediatesPem?: string[];
  nowMs?: number;
}

const MAX_CHAIN_DEPTH = 5;

function toX509(input: string | Buffer | X509Certificate): X509Certificate | undefined {
  if (input instanceof X509Certificate) return input;
  try {
    return new X509Certificate(input);
  } catch {
    // An unparsable certificate is a refusal, reported by the caller as such.
    return undefined;
  }
}

function validAt(cert: X509Certificate, nowMs: number): boolean {
  return new Date(cert.validFrom).getTime() <= nowMs && nowMs <= new Date(cert.validTo).getTime();
}

function signedBy(child: X509Certificate, parent: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

function chainsToRoot(
  leaf: X509Certificate,
  roots: X509Certificate[],
  intermediates: X509Certificate[],
  nowMs: number,
): boolean {
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    if (roots.some((root) => validAt(root, nowMs) && signedBy(current, root))) return true;
    const next = intermediates.find(
      (i) => i !== current && i.ca && validAt(i, nowMs) && signedBy(current, i),
    );
    if (next === undefined) return false;
    current = next;
  }
  return false;
}

/** Verifies a peer SVID (PEM or DER) against the trust bundle; a result value, never a throw. */
export function verifyPeerSvid(
  cert: string | Buffer | X509Certificate,
  trustBundlePem: string[],
  trustDomain: string,
  options: VerifyPeerSvidOptions = {},
): PeerSvidCheck {
  const nowMs = options.nowMs ?? Date.now();
  const leaf = toX509(cert);
  if (leaf === undefined) return { ok: false, reason: 'certificate does not parse' };
  if (leaf.ca) return { ok: false, reason: 'certificate is a CA certificate' };
  if (!validAt(leaf, nowMs)) return { ok: false, reason: 'certificate is expired or not yet valid' };
  const roots = trustBundlePem.map(toX509).filter((c): c is X509Certificate => c !== undefined);
  const intermediates = (options.intermediatesPem ?? [])
    .map(toX509)
    .filter((c): c is X509Certificate => c !== undefined);
  if (!chainsToRoot(leaf, roots, intermediates, nowMs)) {
    return { ok: false, reason: 'certificate does not chain to the mesh root' };
  }
  const uris = uriSans(leaf.subjectAltName).filter((u) => u.startsWith('spiffe://'));
  if (uris.length !== 1 || uris[0] === undefined) {
    return { ok: false, reason: 'certificate must carry exactly one SPIFFE ID' };
  }
  const parsed = parseSpiffeId(uris[0]);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  if (parsed.identity.trustDomain !== trustDomain) {
    return { ok: false, reason: `SPIFFE ID is not in trust domain ${trustDomain}` };
  }
  return {
    ok: true,
    spiffeId: uris[0],
    identity: parsed.identity,
    serialNumber: leaf.serialNumber,
    notAfter: new Date(leaf.validTo),
  };
}
