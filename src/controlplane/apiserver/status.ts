// The Kubernetes `Status` object: every error the API server answers has this shape, so kubectl
// habits (and our client) can read `.message`, `.reason` and `.details.causes[].field`.

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'ServiceUnavailable';

export interface StatusCause {
  reason?: string;
  /** Field path, e.g. `spec.peers[0].mtls.mode` (prefixed `items[2].` inside a batch apply). */
  field?: string;
  message: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  /** Empty, but for an expired list page: where to go on at the latest revision. */
  metadata: { continue?: string };
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason;
  details?: { name?: string; kind?: string; causes?: StatusCause[] };
  code: number;
}

export function failureStatus(
  code: number,
  reason: StatusReason,
  message: string,
  details?: Status['details'],
  metadata: Status['metadata'] = {},
): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata,
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

/** True when a parsed JSON value looks like a Status (the client uses it to read errors). */
export function isStatus(value: unknown): value is Status {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'Status' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}
