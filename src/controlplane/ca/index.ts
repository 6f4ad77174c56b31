// Public surface of the CA: signer loading (self-signed root or plugged-in cacerts), the pod
// token key, the CertificateAuthority and the CertificateService gRPC server.
export type { CaErrorCode } from './ca-error.js';
export { CaError } from './ca-error.js';
export type { LoadCaSignerOptions } from './load-ca-signer.js';
export {
  loadCaSigner,
  newRootSigner,
  pluggedInSigner,
  readPersistedRoot,
  rootSigner,
  ROOT_CERT_FILE,
  ROOT_KEY_FILE,
} from './load-ca-signer.js';
export { loadPodTokenKey, readPodTokenKey, POD_TOKEN_KEY_FILE } from './load-pod-token-key.js';
export { writePrivateFile } from './private-file.js';
export type { CertificateAuthorityOptions, IssueRequest, IssueResult } from './certificate-authority.js';
export {
  CertificateAuthority,
  DEFAULT_SVID_TTL_SECONDS,
  MIN_SVID_TTL_SECONDS,
} from './certificate-authority.js';
export type { IsPodCurrent, CallerIdentity, CallerCredentials } from './authenticate-caller.js';
export { authenticateCaller } from './authenticate-caller.js';
export { storePodCheck } from './store-pod-check.js';
export type { CaServerOptions, CaServer } from './ca-server.js';
export { startCaServer } from './ca-server.js';
export { writePodTokenFile } from './write-pod-token-file.js';
