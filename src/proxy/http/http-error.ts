// A framing error found in bytes from a peer. The session turns it into a 4xx/502 in one place.

export type HttpErrorCode =
  | 'AUTOMESH_ERR_PROXY_BAD_REQUEST'
  | 'AUTOMESH_ERR_PROXY_HEAD_TOO_LARGE'
  | 'AUTOMESH_ERR_PROXY_HEAD_TIMEOUT'
  | 'AUTOMESH_ERR_PROXY_BAD_VERSION'
  | 'AUTOMESH_ERR_PROXY_BAD_RESPONSE'
  | 'AUTOMESH_ERR_PROXY_NOT_IMPLEMENTED';

export class HttpError extends Error {
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    /** The status a proxy answers with when the error is in a request. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function badRequest(message: string): HttpError {
  return new HttpError('AUTOMESH_ERR_PROXY_BAD_REQUEST', message, 400);
}
