// Errors of the CA with a stable code.

export type CaErrorCode = 'AUTOMESH_ERR_CA_STATE' | 'AUTOMESH_ERR_CA_PLUGGED_IN';

export class CaError extends Error {
  constructor(
    readonly code: CaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CaError';
  }
}
