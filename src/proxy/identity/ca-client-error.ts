// Errors of the sidecar's CA client with a stable code.

export type CaClientErrorCode =
  | 'AUTOMESH_ERR_CA_CLIENT_REFUSED'
  | 'AUTOMESH_ERR_CA_CLIENT_RESPONSE'
  | 'AUTOMESH_ERR_CA_CLIENT_SERVER_ID'
  | 'AUTOMESH_ERR_CA_CLIENT_TOKEN'
  | 'AUTOMESH_ERR_CA_CLIENT_START'
  | 'AUTOMESH_ERR_CA_CLIENT_CLOSED';

export class CaClientError extends Error {
  readonly grpcCode: number | undefined;

  constructor(
    readonly code: CaClientErrorCode,
    message: string,
    options?: { cause?: unknown; grpcCode?: number },
  ) {
    super(message, options);
    this.name = 'CaClientError';
    this.grpcCode = options?.grpcCode;
  }
}
