// SPIFFE identity checks on peer certificates: exactly one URI SAN, in the trust domain.

import { createHash } from 'node:crypto';
import type { X509Certificate } from 'node:crypto';
import { parseSpiffeId } from '../../identity/workload-credentials.js';

/** URI SANs from Node's `subjectaltname` string ("DNS:a, URI:spiffe://..."). */
export function uriSans(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined || subjectAltName === '') return [];
  return subjectAltName
    .split(', ')
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice(4));
}

/** The single workload SPIFFE ID (spiffe://td/ns/N/sa/S) of a certificate in the trust domain, or undefined. */
export function spiffeIdOf(subjectAltName: string | undefined, trustDomain: string): string | undefined {
  const uris = uriSans(subjectAltName);
  if (uris.length !== 1) return undefined;
  const id = uris[0]!;
  // The full workload shape, not just the prefix: the ID is copied into XFCC, where a ';' or ','
  // in a URI SAN would add fields or elements the app would believe.
  return id.startsWith(`spiffe://${trustDomain}/`) && parseSpiffeId(id).ok ? id : undefined;
}

/** The XFCC element the server sidecar appends, computed once per TLS connection. */
export function xfccElement(serverId: string, clientLeaf: X509Certificate, clientId: string): string {
  const hash = createHash('sha256').update(clientLeaf.raw).digest('hex');
  return `By=${serverId};Hash=${hash};Subject="";URI=${clientId}`;
}
