// Errors raised by the API server's own checks (routing, auth, bodies, validation). Each carries a
// stable code and the HTTP status and Kubernetes reason it is answered with; error-mapper.ts is
// the one place that turns any error into a response.

import type { StatusCause, StatusReason } from './status.js';

export type ApiErrorCode =
  | 'AUTOMESH_ERR_API_UNAUTHORIZED'
  | 'AUTOMESH_ERR_API_FORBIDDEN'
  | 'AUTOMESH_ERR_API_NOT_FOUND'
  | 'AUTOMESH_ERR_API_ALREADY_EXISTS'
  | 'AUTOMESH_ERR_API_CONFLICT'
  | 'AUTOMESH_ERR_API_BAD_REQUEST'
  | 'AUTOMESH_ERR_API_MALFORMED_JSON'
  | 'AUTOMESH_ERR_API_INVALID'
  | 'AUTOMESH_ERR_API_TOO_LARGE'
  | 'AUTOMESH_ERR_API_METHOD'
  | 'AUTOMESH_ERR_API_MEDIA_TYPE'
  | 'AUTOMESH_ERR_API_EXPIRED';

const HTTP: Record<ApiErrorCode, { status: number; reason: StatusReason }> = {
  AUTOMESH_ERR_API_UNAUTHORIZED: { status: 401, reason: 'Unauthorized' },
  AUTOMESH_ERR_API_FORBIDDEN: { status: 403, reason: 'Forbidden' },
  AUTOMESH_ERR_API_NOT_FOUND: { status: 404, reason: 'NotFound' },
  AUTOMESH_ERR_API_ALREADY_EXISTS: { status: 409, reason: 'AlreadyExists' },
  AUTOMESH_ERR_API_CONFLICT: { status: 409, reason: 'Conflict' },
  AUTOMESH_ERR_API_BAD_REQUEST: { status: 400, reason: 'BadRequest' },
  AUTOMESH_ERR_API_MALFORMED_JSON: { status: 400, reason: 'BadRequest' },
  AUTOMESH_ERR_API_INVALID: { status: 422, reason: 'Invalid' },
  AUTOMESH_ERR_API_TOO_LARGE: { status: 413, reason: 'RequestEntityTooLarge' },
  AUTOMESH_ERR_API_METHOD: { status: 405, reason: 'MethodNotAllowed' },
  AUTOMESH_ERR_API_MEDIA_TYPE: { status: 415, reason: 'UnsupportedMediaType' },
  AUTOMESH_ERR_API_EXPIRED: { status: 410, reason: 'Expired' },
};

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly httpStatus: number;
  readonly reason: StatusReason;
  readonly details: { name?: string; kind?: string; causes?: StatusCause[] } | undefined;
  /** A continue token the Status carries (an expired page's way to go on). */
  readonly listContinue: string | undefined;

  constructor(
    code: ApiErrorCode,
    message: string,
    details?: { name?: string; kind?: string; causes?: StatusCause[] },
    options?: { cause?: unknown; listContinue?: string },
  ) {
    super(message, options);
    this.listContinue = options?.listContinue;
    this.name = 'ApiError';
    this.code = code;
    this.httpStatus = HTTP[code].status;
    this.reason = HTTP[code].reason;
    this.details = details;
  }
}
