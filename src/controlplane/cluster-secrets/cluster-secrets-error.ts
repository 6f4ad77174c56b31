// Errors of the cluster's shared secrets, with a stable code; the CLI prints their message.

export type ClusterSecretsErrorCode =
  /** --certificate-key is not 64 hex digits. */
  | 'AUTOMESH_ERR_CLUSTER_SECRETS_KEY_FORMAT'
  /** The secrets exist in the store and no certificate key was given. */
  | 'AUTOMESH_ERR_CLUSTER_SECRETS_KEY_MISSING'
  /** The certificate key does not open the stored secrets (authentication failed). */
  | 'AUTOMESH_ERR_CLUSTER_SECRETS_KEY_WRONG'
  /** The stored value is not what this version writes. */
  | 'AUTOMESH_ERR_CLUSTER_SECRETS_FORMAT'
  /** This replica's plugged-in CA is not the one the secrets were made with, or is missing. */
  | 'AUTOMESH_ERR_CLUSTER_SECRETS_CA';

export class ClusterSecretsError extends Error {
  constructor(
    readonly code: ClusterSecretsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ClusterSecretsError';
  }
}
