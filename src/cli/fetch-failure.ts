// fetch() rejects with a bare "fetch failed" and keeps the socket's reason in `cause`; node:http
// rejects with the socket's error itself.

/** The socket error code behind a failed request (ECONNREFUSED, ...), else the error's message. */
export function fetchFailure(err: unknown): string {
  const code =
    (err as { code?: unknown } | undefined)?.code ?? (err as { cause?: { code?: unknown } }).cause?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}
