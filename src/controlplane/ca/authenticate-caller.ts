// Who is asking: the identity comes from a verified client certificate (renewal) or else from
// the pod token in `authorization: Bearer`. Either way it is a pod's, and that pod must still be
// there: a renewal is held to the pod its certificate was issued to (the pod binding the CA wrote
// into it), as a first request is held to the pod its token names. The result says why a caller
// is refused, for the log and the gRPC status; it never contains the token.

import type { CaSigner, CertificatePodBinding, Clock, PodTokenVerifier } from '../../identity/index.js';
import { podBindingOf, verifyPeerSvid } from '../../identity/index.js';

/**
 * Answers whether a pod (by namespace, name and UID) still exists, is not being deleted and runs as
 * that service account; the credential of a deleted or replaced pod is refused.
 */
export type IsPodCurrent = (
  namespace: string,
  pod: string,
  podUid: string,
  serviceAccount: string,
) => boolean | Promise<boolean>;

export interface CallerCredentials {
  /** DER of the TLS client certificate the transport verified, if any. */
  peerCertDer?: Buffer;
  /** Values of the `authorization` metadata. */
  authorization: string[];
}

export type CallerIdentity =
  | {
      ok: true;
      namespace: string;
      serviceAccount: string;
      via: 'token' | 'certificate';
      /** The pod the credential belongs to; absent only without a pod check (tests, tools). */
      podBinding?: CertificatePodBinding;
    }
  | { ok: false; status: 'unauthenticated' | 'permission-denied'; reason: string };

export interface AuthenticateDeps {
  signer: CaSigner;
  tokenVerifier: PodTokenVerifier;
  isPodCurrent?: IsPodCurrent;
  clock: Clock;
}

async function podGone(
  deps: AuthenticateDeps,
  namespace: string,
  serviceAccount: string,
  binding: CertificatePodBinding,
): Promise<boolean> {
  if (deps.isPodCurrent === undefined) return false;
  return !(await deps.isPodCurrent(namespace, binding.pod, binding.podUid, serviceAccount));
}

async function fromCertificate(der: Buffer, deps: AuthenticateDeps): Promise<CallerIdentity> {
  const check = verifyPeerSvid(der, deps.signer.rootsPem, deps.signer.trustDomain, {
    intermediatesPem: deps.signer.chainPem,
    nowMs: deps.clock.now(),
  });
  if (!check.ok)
    return { ok: false, status: 'unauthenticated', reason: `client certificate refused: ${check.reason}` };
  const { namespace, serviceAccount } = check.identity;
  const podBinding = podBindingOf(der);
  if (podBinding === undefined) {
    if (deps.isPodCurrent === undefined) return { ok: true, namespace, serviceAccount, via: 'certificate' };
    // Without a binding nothing ties the certificate to a pod that could be checked.
    return {
      ok: false,
      status: 'permission-denied',
      reason: 'client certificate refused: it names no pod; ask with the pod token',
    };
  }
  if (await podGone(deps, namespace, serviceAccount, podBinding)) {
    return {
      ok: false,
      status: 'permission-denied',
      reason: `client certificate refused: pod ${namespace}/${podBinding.pod} (uid ${podBinding.podUid}) is gone or replaced`,
    };
  }
  return { ok: true, namespace, serviceAccount, via: 'certificate', podBinding };
}

async function fromToken(header: string, deps: AuthenticateDeps): Promise<CallerIdentity> {
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (match?.[1] === undefined)
    return { ok: false, status: 'unauthenticated', reason: 'authorization is not a bearer token' };
  const check = deps.tokenVerifier.verify(match[1]);
  if (!check.ok)
    return { ok: false, status: 'unauthenticated', reason: `pod token refused: ${check.reason}` };
  const { namespace, serviceAccount, pod, podUid } = check.claims;
  if (await podGone(deps, namespace, serviceAccount, { pod, podUid })) {
    return {
      ok: false,
      status: 'permission-denied',
      reason: `pod token refused: pod ${namespace}/${pod} (uid ${podUid}) is gone or replaced`,
    };
  }
  return { ok: true, namespace, serviceAccount, via: 'token', podBinding: { pod, podUid } };
}

export async function authenticateCaller(
  creds: CallerCredentials,
  deps: AuthenticateDeps,
): Promise<CallerIdentity> {
  if (creds.peerCertDer !== undefined) return fromCertificate(creds.peerCertDer, deps);
  if (creds.authorization.length > 1)
    return { ok: false, status: 'unauthenticated', reason: 'more than one authorization value' };
  const header = creds.authorization[0];
  if (header === undefined) {
    return {
      ok: false,
      status: 'unauthenticated',
      reason: 'no credential: neither a verified client certificate nor a bearer token',
    };
  }
  return fromToken(header, deps);
}
