// Who is asking: the identity comes from a verified client certificate (renewal) or else from
// the pod token in `authorization: Bearer`. The result says why a caller is refused, for the log
// and the gRPC status; it never contains the token.

import type { CaSigner, Clock, PodTokenVerifier } from '../../identity/index.js';
import { verifyPeerSvid } from '../../identity/index.js';

/** Answers whether a pod (by namespace, name and UID) still exists; a deleted or replaced pod's token is refused. */
export type IsPodCurrent = (namespace: string, pod: string, podUid: string) => boolean | Promise<boolean>;

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
      pod?: string;
    }
  | { ok: false; status: 'unauthenticated' | 'permission-denied'; reason: string };

export interface AuthenticateDeps {
  signer: CaSigner;
  tokenVerifier: PodTokenVerifier;
  isPodCurrent?: IsPodCurrent;
  clock: Clock;
}

function fromCertificate(der: Buffer, deps: AuthenticateDeps): CallerIdentity {
  const check = verifyPeerSvid(der, deps.signer.rootsPem, deps.signer.trustDomain, {
    intermediatesPem: deps.signer.chainPem,
    nowMs: deps.clock.now(),
  });
  if (!check.ok)
    return { ok: false, status: 'unauthenticated', reason: `client certificate refused: ${check.reason}` };
  const { namespace, serviceAccount } = check.identity;
  return { ok: true, namespace, serviceAccount, via: 'certificate' };
}

async function fromToken(header: string, deps: AuthenticateDeps): Promise<CallerIdentity> {
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (match?.[1] === undefined)
    return { ok: false, status: 'unauthenticated', reason: 'authorization is not a bearer token' };
  const check = deps.tokenVerifier.verify(match[1]);
  if (!check.ok)
    return { ok: false, status: 'unauthenticated', reason: `pod token refused: ${check.reason}` };
  const { namespace, serviceAccount, pod, podUid } = check.claims;
  if (deps.isPodCurrent !== undefined && !(await deps.isPodCurrent(namespace, pod, podUid))) {
    return {
      ok: false,
      status: 'permission-denied',
      reason: `pod token refused: pod ${namespace}/${pod} (uid ${podUid}) is gone or replaced`,
    };
  }
  return { ok: true, namespace, serviceAccount, via: 'token', pod };
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
