// Turns (CSR, authenticated identity, requested TTL) into a signed SVID bundle. The identity
// comes from the caller's credential; the CSR contributes its public key and nothing else. The
// lifetime is the mesh's to choose: a caller may ask for a shorter one, never a longer one.

import type { CaSigner, CertificatePodBinding, Clock, WorkloadIdentity } from '../../identity/index.js';
import { formatSpiffeId, signLeafCertificate, systemClock, verifyCsr } from '../../identity/index.js';

/** The mesh's SVID lifetime when none is configured (the behaviour contract's 24 h). */
export const DEFAULT_SVID_TTL_SECONDS = 24 * 3600;
/** Below this a certificate would expire before the sidecar could use it. */
export const MIN_SVID_TTL_SECONDS = 2;

export interface CertificateAuthorityOptions {
  /** The mesh's configured SVID lifetime, granted when a CSR asks for none. Default 24 h. */
  defaultTtlSeconds?: number;
  /** The longest lifetime granted whatever the CSR asks. Default: `defaultTtlSeconds`. */
  maxTtlSeconds?: number;
  clock?: Clock;
}

export interface IssueRequest {
  csrPem: string;
  identity: Omit<WorkloadIdentity, 'trustDomain'>;
  /** The pod the caller proved it is; written into the SVID so renewals stay bound to it. */
  podBinding?: CertificatePodBinding;
  /** 0 or absent means the default. */
  ttlSeconds?: number;
}

export type IssueResult =
  | {
      ok: true;
      spiffeId: string;
      certChainPem: string[];
      trustBundlePem: string[];
      serialNumber: string;
      notAfter: Date;
    }
  | { ok: false; reason: string };

export class CertificateAuthority {
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
  private readonly clock: Clock;

  constructor(
    readonly signer: CaSigner,
    options: CertificateAuthorityOptions = {},
  ) {
    const configured = options.defaultTtlSeconds ?? DEFAULT_SVID_TTL_SECONDS;
    this.maxTtlSeconds = options.maxTtlSeconds ?? configured;
    this.defaultTtlSeconds = Math.min(configured, this.maxTtlSeconds);
    this.clock = options.clock ?? systemClock;
  }

  /** The TTL actually granted: the default when none is asked, capped at the maximum. */
  grantedTtlSeconds(requested: number | undefined): number {
    const asked = requested === undefined || requested <= 0 ? this.defaultTtlSeconds : requested;
    return Math.max(MIN_SVID_TTL_SECONDS, Math.min(asked, this.maxTtlSeconds));
  }

  /** Signs an SVID for `identity`; invalid CSRs are a result, not a throw. */
  async issue(req: IssueRequest): Promise<IssueResult> {
    const csr = await verifyCsr(req.csrPem);
    if (!csr.ok) return { ok: false, reason: csr.reason };
    const spiffeId = formatSpiffeId({ trustDomain: this.signer.trustDomain, ...req.identity });
    const leaf = await signLeafCertificate({
      signer: this.signer,
      publicKey: csr.publicKey,
      uris: [spiffeId],
      ...(req.podBinding === undefined ? {} : { podBinding: req.podBinding }),
      ttlMs: this.grantedTtlSeconds(req.ttlSeconds) * 1000,
      nowMs: this.clock.now(),
    });
    return {
      ok: true,
      spiffeId,
      certChainPem: [leaf.certPem, ...this.signer.chainPem],
      trustBundlePem: this.signer.rootsPem,
      serialNumber: leaf.serialNumber,
      notAfter: leaf.notAfter,
    };
  }
}
