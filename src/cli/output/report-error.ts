// The one place CLI commands turn an error into words: server errors as kubectl prints them
// (`Error from server (NotFound): pods "x" not found`), everything else as `error: <what>`.

interface ServerErrorLike {
  reason: string;
  message: string;
}

/** True for an error that carries the API server's Status reason and message. */
export function isServerError(error: unknown): error is ServerErrorLike & Error {
  if (!(error instanceof Error)) return false;
  const reason = (error as { reason?: unknown }).reason;
  return typeof reason === 'string' && reason !== '';
}

/** The Status reason of a server error (`NotFound`, `AlreadyExists`), if it is one. */
export function serverReason(error: unknown): string | undefined {
  return isServerError(error) ? error.reason : undefined;
}

/** The line printed on stderr for `error`, ending in a newline. */
export function formatError(error: unknown): string {
  if (isServerError(error)) return `Error from server (${error.reason}): ${error.message}\n`;
  const message = error instanceof Error ? error.message : String(error);
  return `error: ${message}\n`;
}

/** Writes `error` to stderr and returns exit code 1, for `return reportError(e)` in commands. */
export function reportError(error: unknown): number {
  process.stderr.write(formatError(error));
  return 1;
}
