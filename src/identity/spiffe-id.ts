// SPIFFE IDs of workloads: spiffe://<trust domain>/ns/<namespace>/sa/<service account>.

import { IdentityError } from './identity-error.js';

export interface WorkloadIdentity {
  trustDomain: string;
  namespace: string;
  serviceAccount: string;
}

export type SpiffeIdParse = { ok: true; identity: WorkloadIdentity } | { ok: false; reason: string };

const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Parses a workload SPIFFE ID; anything but the `/ns/<ns>/sa/<sa>` shape is refused. */
export function parseSpiffeId(id: string): SpiffeIdParse {
  const match = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(id);
  if (match === null) return { ok: false, reason: 'not a spiffe://<td>/ns/<ns>/sa/<sa> ID' };
  const [, trustDomain = '', namespace = '', serviceAccount = ''] = match;
  if (!TRUST_DOMAIN.test(trustDomain)) return { ok: false, reason: 'invalid trust domain' };
  if (!SEGMENT.test(namespace) || !SEGMENT.test(serviceAccount)) {
    return { ok: false, reason: 'invalid namespace or service account' };
  }
  return { ok: true, identity: { trustDomain, namespace, serviceAccount } };
}

/** Formats a workload SPIFFE ID; throws `AUTOMESH_ERR_IDENTITY_SPIFFE_ID` on invalid parts. */
export function formatSpiffeId(identity: WorkloadIdentity): string {
  const id = `spiffe://${identity.trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
  const parsed = parseSpiffeId(id);
  if (!parsed.ok) throw new IdentityError('AUTOMESH_ERR_IDENTITY_SPIFFE_ID', `${id}: ${parsed.reason}`);
  return id;
}

/** Where the control plane's own identity lives: the namespace Istio's control plane runs in. */
export const CONTROL_PLANE_NAMESPACE = 'istio-system';
export const CONTROL_PLANE_SERVICE_ACCOUNT = 'automesh-controlplane';

/** The control plane's SPIFFE ID in a trust domain, which sidecars require of the CA and discovery. */
export function controlPlaneSpiffeId(trustDomain: string): string {
  return `spiffe://${trustDomain}/ns/${CONTROL_PLANE_NAMESPACE}/sa/${CONTROL_PLANE_SERVICE_ACCOUNT}`;
}

/** The URI SANs of a Node `subjectaltname` string (`URI:a, DNS:b`). */
export function uriSans(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined) return [];
  return subjectAltName
    .split(', ')
    .filter((entry) => entry.startsWith('URI:'))
    .map((entry) => entry.slice(4));
}
