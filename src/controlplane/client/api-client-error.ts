// Errors from ApiClient: the server's Status (message, reason, HTTP code), or no server at all.

export type StatusLike = {
  message: string;
  reason?: string;
  code?: number;
  details?: { causes?: { field?: string; message: string }[] };
};

export class ApiClientError extends Error {
  readonly code:
    'AUTOMESH_ERR_CLIENT_STATUS' | 'AUTOMESH_ERR_CLIENT_UNREACHABLE' | 'AUTOMESH_ERR_CLIENT_PROTOCOL';
  /** HTTP status for AUTOMESH_ERR_CLIENT_STATUS; 0 otherwise. */
  readonly httpStatus: number;
  /** Kubernetes reason (`NotFound`, `Conflict`, `Invalid`, ...) when the server sent a Status. */
  readonly reason: string | undefined;
  readonly status: StatusLike | undefined;

  constructor(
    code: ApiClientError['code'],
    message: string,
    extra: { httpStatus?: number; status?: StatusLike; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ApiClientError';
    this.code = code;
    this.httpStatus = extra.httpStatus ?? 0;
    this.status = extra.status;
    this.reason = extra.status?.reason;
  }

  /** True for a 404 answer (the object or namespace is not there). */
  get notFound(): boolean {
    return this.httpStatus === 404;
  }
}
