// What the sidecar is fed from outside: its certificate (from the CA client, or files in
// standalone mode) and its snapshot (from the discovery client, or a bootstrap file).

import type { ProxySnapshot } from '../api/index.js';

/** The workload's current SVID. The private key was generated in this process and never leaves it. */
export interface WorkloadCertificate {
  privateKeyPem: string;
  /** Leaf first, then intermediates. */
  certChainPem: string[];
  /** Roots to trust for peers. */
  trustBundlePem: string[];
  spiffeId: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

export type Unsubscribe = () => void;

/** Renewals failing in a row: since when, how many, the last reason. */
export interface RenewalTrouble {
  since: Date;
  failures: number;
  error: string;
}

export interface CertificateSource {
  /** The certificate in force, or undefined before the first one arrives. */
  current(): WorkloadCertificate | undefined;
  /** Called with each new certificate (renewal); new connections use it, open ones are untouched. */
  onUpdate(listener: (cert: WorkloadCertificate) => void): Unsubscribe;
  /** Sources that renew: the trouble while renewals fail, undefined while they succeed. */
  renewalTrouble?(): RenewalTrouble | undefined;
  /** Sources that renew: called after each failed renewal (a successful one calls `onUpdate`'s). */
  onRenewalFailure?(listener: (trouble: RenewalTrouble) => void): Unsubscribe;
  close(): Promise<void>;
}

export type ApplyResult = { ok: true } | { ok: false; error: string };

/** The sidecar side of config delivery: the discovery client hands each snapshot here and acks or nacks with the result. */
export interface SnapshotSink {
  apply(snapshot: ProxySnapshot): ApplyResult;
}
