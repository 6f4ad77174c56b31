// The SVID a discovery stream authenticated with. grpc-js has already checked the chain (client
// certificate required); we check again ourselves for the rules TLS does not know: exactly one
// SPIFFE ID, in our trust domain, not a CA, within validity.

import type * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import type { CertificatePodBinding, PeerSvidCheck } from '../../identity/index.js';
import { podBindingOf, verifyPeerSvid } from '../../identity/index.js';

/** A verified SVID and the pod it was issued to, when it names one. */
export type DiscoveryPeer =
  | (Extract<PeerSvidCheck, { ok: true }> & { podBinding?: CertificatePodBinding })
  | Extract<PeerSvidCheck, { ok: false }>;

/** The DER of each issuer the TLS stack walked, leaf excluded, stopping at a self-signed root. */
function issuersOf(cert: PeerCertificate): Buffer[] {
  const chain: Buffer[] = [];
  let current = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate;
  while (current !== undefined && current.raw !== undefined && chain.length < 5) {
    chain.push(current.raw);
    const next = (current as { issuerCertificate?: PeerCertificate }).issuerCertificate;
    if (next === current) break;
    current = next;
  }
  return chain;
}

export function peerSvid(
  call: grpc.ServerDuplexStream<unknown, unknown>,
  trustBundlePem: string[],
  trustDomain: string,
): DiscoveryPeer {
  const context = call.getAuthContext();
  const cert = context?.sslPeerCertificate;
  if (cert?.raw === undefined) return { ok: false, reason: 'no verified client certificate' };
  const intermediatesPem = issuersOf(cert).map(derToPem);
  const check = verifyPeerSvid(cert.raw, trustBundlePem, trustDomain, { intermediatesPem });
  if (!check.ok) return check;
  const podBinding = podBindingOf(cert.raw);
  return podBinding === undefined ? check : { ...check, podBinding };
}

function derToPem(der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}
