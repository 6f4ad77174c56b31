// Responses the sidecar writes itself (errors and proxy answers), in one place.

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

export const UPSTREAM_RESET_PREFIX =
  'upstream connect error or disconnect/reset before headers. reset reason: ';

/** Longest error text put in a local reply: enough for a TLS reason, bounded whatever the error. */
const MAX_TRANSPORT_REASON_CHARS = 200;

/**
 * Envoy's 503 for an upstream that could not be reached, with why the last attempt failed
 * (`transport failure reason: CERT_HAS_EXPIRED: certificate has expired`), so that a client sees
 * a certificate problem as one rather than as a bare connection failure.
 */
export function connectFailureBody(lastError: NodeJS.ErrnoException | undefined): string {
  const body = `${UPSTREAM_RESET_PREFIX}connection failure`;
  if (lastError === undefined) return body;
  const code = typeof lastError.code === 'string' ? `${lastError.code}: ` : '';
  const reason = `${code}${lastError.message}`.replace(/[\r\n]+/g, ' ').slice(0, MAX_TRANSPORT_REASON_CHARS);
  return `${body}, transport failure reason: ${reason}`;
}

export function localResponse(status: number, body: string, close: boolean): string {
  const reason = REASONS[status] ?? 'Unknown';
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    (close ? 'connection: close\r\n' : '') +
    `\r\n${body}`
  );
}
