// Public surface of the identity module: SPIFFE IDs, keys, CSRs, certificate templates, peer
// verification and pod tokens. Pure or nearly so: no sockets, no files.
export { x509 } from './x509.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export type { IdentityErrorCode } from './identity-error.js';
export { IdentityError } from './identity-error.js';
export type { WorkloadIdentity, SpiffeIdParse } from './spiffe-id.js';
export {
  parseSpiffeId,
  formatSpiffeId,
  uriSans,
  controlPlaneSpiffeId,
  CONTROL_PLANE_NAMESPACE,
  CONTROL_PLANE_SERVICE_ACCOUNT,
} from './spiffe-id.js';
export type { KeyPair } from './key-pair.js';
export { generateKeyPair, importKeyPair, signingAlgorithmFor } from './key-pair.js';
export { splitPemCertificates } from './pem.js';
export type { CaSigner } from './ca-signer.js';
export type { LeafRequest, IssuedLeaf } from './certificate-templates.js';
export {
  createRootCertificate,
  signLeafCertificate,
  randomSerialNumber,
  ROOT_VALIDITY_YEARS,
  LEAF_BACKDATE_MS,
} from './certificate-templates.js';
export { createCsr, MAX_CSR_PEM_BYTES } from './csr.js';
export type { CsrCheck } from './verify-csr.js';
export { verifyCsr } from './verify-csr.js';
export type { PeerSvidCheck, VerifyPeerSvidOptions } from './verify-peer-svid.js';
export { verifyPeerSvid } from './verify-peer-svid.js';
export type { CertificatePodBinding } from './pod-binding.js';
export { podBindingOf, encodePodBinding, decodePodBinding, POD_BINDING_OID } from './pod-binding.js';
export type { PodBinding, PodTokenClaims, PodTokenCheck, PodTokenVerifier } from './pod-token.js';
export { PodTokenIssuer, POD_TOKEN_AUDIENCE, POD_TOKEN_ISSUER } from './pod-token.js';
export type { ServingCertificate, ServingCertificateOptions } from './issue-serving-certificate.js';
export { issueServingCertificate, SERVING_CERT_TTL_MS } from './issue-serving-certificate.js';
export { caCertHash, isCaCertHash, CA_CERT_HASH_PREFIX } from './ca-cert-hash.js';
