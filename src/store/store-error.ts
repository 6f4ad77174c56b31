// The one error type the store throws. Callers branch on `code`, never on the message; the API
// server maps each code to an HTTP status in its error mapper.

export type StoreErrorCode =
  | 'AUTOMESH_ERR_STORE_EXISTS'
  | 'AUTOMESH_ERR_STORE_NOT_FOUND'
  | 'AUTOMESH_ERR_STORE_CONFLICT'
  | 'AUTOMESH_ERR_STORE_COMPACTED'
  | 'AUTOMESH_ERR_STORE_INVALID'
  | 'AUTOMESH_ERR_STORE_CLOSED'
  | 'AUTOMESH_ERR_STORE_IO';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** True when `err` is a StoreError with the given code. */
export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}
