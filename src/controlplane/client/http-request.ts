// One HTTP request on node:http. The CLI makes a handful of requests per process, so it uses this
// rather than fetch: loading fetch's implementation costs more than the requests themselves.
import { request as httpRequestRaw, type IncomingMessage } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';

export interface HttpResponse {
  status: number;
  ok: boolean;
  /** The body as a stream of Buffers (for watches). */
  body: IncomingMessage;
  text(): Promise<string>;
}

export interface HttpRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** PEM roots to trust for an https:// URL instead of the system's. */
  ca?: string;
}

export function httpRequest(url: string, init: HttpRequestInit): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequestRaw : httpRequestRaw;
    const req = send(
      target,
      {
        method: init.method,
        headers: {
          ...init.headers,
          ...(init.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(init.body)) }),
        },
        // One request per connection: nothing keeps a short-lived CLI process alive afterwards.
        agent: false,
        ...(init.signal === undefined ? {} : { signal: init.signal }),
        ...(init.ca === undefined ? {} : { ca: init.ca }),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        resolve({
          status,
          ok: status >= 200 && status < 300,
          body: res,
          text: async () => {
            const chunks: Buffer[] = [];
            for await (const chunk of res) chunks.push(chunk as Buffer);
            return Buffer.concat(chunks).toString('utf8');
          },
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
