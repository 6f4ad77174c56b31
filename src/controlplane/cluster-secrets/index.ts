// Public surface of the cluster's shared secrets (CA root, pod-token key, admin token).
export { ClusterSecretsError, type ClusterSecretsErrorCode } from './cluster-secrets-error.js';
export {
  CERTIFICATE_KEY_FILE,
  certificateKeyFile,
  generateCertificateKey,
  parseCertificateKey,
} from './certificate-key.js';
export {
  loadClusterSecrets,
  type LoadClusterSecretsOptions,
  type LoadedClusterSecrets,
} from './load-cluster-secrets.js';
export {
  CLUSTER_SECRETS_FORMAT,
  sealClusterSecrets,
  unsealClusterSecrets,
  type ClusterSecrets,
} from './sealed-cluster-secrets.js';
