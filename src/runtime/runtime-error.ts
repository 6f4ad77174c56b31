// The one error type the runtime throws; callers branch on `code`.

export type RuntimeErrorCode =
  | 'AUTOMESH_ERR_RUNTIME_ADDRESSES_EXHAUSTED'
  | 'AUTOMESH_ERR_RUNTIME_IMAGE_UNSUPPORTED'
  | 'AUTOMESH_ERR_RUNTIME_INVALID_MANIFEST'
  | 'AUTOMESH_ERR_RUNTIME_STOPPED';

export class RuntimeError extends Error {
  readonly code: RuntimeErrorCode;

  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
    this.code = code;
  }
}
