// What a workload's sidecar needs of identity: its own key and CSR, SPIFFE IDs, and checking a
// peer's SVID, all on node:crypto. A light entry (beside index.ts): the sidecar imports this
// instead of the module's index so that it does not load the X.509 library the CA signs with,
// which would cost every pod ~18 MiB (bench/README.md, "Where a sidecar's memory goes").

export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export type { WorkloadIdentity, SpiffeIdParse } from './spiffe-id.js';
export { parseSpiffeId, uriSans, controlPlaneSpiffeId } from './spiffe-id.js';
export type { KeyPair } from './key-pair.js';
export { generateKeyPair } from './key-pair.js';
export { createCsr } from './csr.js';
export type { PeerSvidCheck, VerifyPeerSvidOptions } from './verify-peer-svid.js';
export { verifyPeerSvid } from './verify-peer-svid.js';
