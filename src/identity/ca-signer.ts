// What signs workload certificates: a key, its certificate, the chain from it up to (not
// including) the root, and the roots workloads must trust.

import type { KeyPair } from './key-pair.js';
import type { x509 } from './x509.js';

export interface CaSigner {
  keys: KeyPair;
  cert: x509.X509Certificate;
  certPem: string;
  /** Certificates to append after an issued leaf: empty when the root signs directly. */
  chainPem: string[];
  /** Trust bundle handed to workloads. */
  rootsPem: string[];
  trustDomain: string;
}
