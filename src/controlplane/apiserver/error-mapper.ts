// The API server's one error mapper: any thrown error becomes an HTTP status and a Kubernetes
// Status body here, and nowhere else. Unknown errors are 500 with a generic message (the detail
// goes to the log, never to the client).

import { isStoreError, type StoreErrorCode } from '../../store/index.js';
import { ApiError } from './api-error.js';
import { failureStatus, type Status, type StatusReason } from './status.js';

const STORE_HTTP: Record<StoreErrorCode, { status: number; reason: StatusReason }> = {
  AUTOMESH_ERR_STORE_EXISTS: { status: 409, reason: 'AlreadyExists' },
  AUTOMESH_ERR_STORE_NOT_FOUND: { status: 404, reason: 'NotFound' },
  AUTOMESH_ERR_STORE_CONFLICT: { status: 409, reason: 'Conflict' },
  AUTOMESH_ERR_STORE_COMPACTED: { status: 410, reason: 'Expired' },
  AUTOMESH_ERR_STORE_INVALID: { status: 400, reason: 'BadRequest' },
  AUTOMESH_ERR_STORE_CLOSED: { status: 503, reason: 'ServiceUnavailable' },
  AUTOMESH_ERR_STORE_IO: { status: 500, reason: 'InternalError' },
};

export interface MappedError {
  status: Status;
  /** True when the error is ours to fix (log it). */
  internal: boolean;
}

export function mapError(err: unknown): MappedError {
  if (err instanceof ApiError) {
    const metadata = err.listContinue === undefined ? {} : { continue: err.listContinue };
    return {
      status: failureStatus(err.httpStatus, err.reason, err.message, err.details, metadata),
      internal: false,
    };
  }
  if (isStoreError(err)) {
    const { status, reason } = STORE_HTTP[err.code];
    return { status: failureStatus(status, reason, err.message), internal: status >= 500 };
  }
  return { status: failureStatus(500, 'InternalError', 'internal error in the API server'), internal: true };
}
