// Whether a request may go out again on a fresh connection after its pooled connection closed
// before any response byte. The app may have received and acted on it, so only a request that
// never left, or one that is harmless to repeat, is sent again: RFC 9110 §9.2.2, and Envoy's
// default. (A reset after the request was sent is otherwise answered with a 503.)

/** Methods whose repetition has the effect of one request (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface FailedAttempt {
  method: string;
  /** Some byte of the request was handed to the connection that closed. */
  written: boolean;
  /** The whole request, body included, was handed to it (none of the body is still streaming). */
  complete: boolean;
}

export function mayResend(attempt: FailedAttempt): boolean {
  if (!attempt.written) return true;
  return attempt.complete && IDEMPOTENT_METHODS.has(attempt.method);
}
