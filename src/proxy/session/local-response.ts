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

export function localResponse(status: number, body: string, close: boolean): string {
  const reason = REASONS[status] ?? 'Unknown';
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    (close ? 'connection: close\r\n' : '') +
    `\r\n${body}`
  );
}
