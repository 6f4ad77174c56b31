// Errors of the identity module carry a stable code; callers map them at their edge.

export type IdentityErrorCode =
  | 'AUTOMESH_ERR_IDENTITY_SPIFFE_ID'
  | 'AUTOMESH_ERR_IDENTITY_CA_LOAD'
  | 'AUTOMESH_ERR_IDENTITY_CA_EXPIRED'
  | 'AUTOMESH_ERR_IDENTITY_CSR'
  | 'AUTOMESH_ERR_IDENTITY_KEY'
  | 'AUTOMESH_ERR_IDENTITY_PEM';

export class IdentityError extends Error {
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IdentityError';
  }
}
