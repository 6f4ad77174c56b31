// The HTTP/1.1 framer on its own: byte streams split at every possible boundary must frame the
// same way as the whole stream, and ambiguous framing must be refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BodyFramer } from '../../src/proxy/http/body-framer.js';
import { findHeadEnd } from '../../src/proxy/http/head-lines.js';
import { HttpError } from '../../src/proxy/http/http-error.js';
import { checkRequestPrefix, parseRequestHead } from '../../src/proxy/http/request-head.js';
import type { RequestHead } from '../../src/proxy/http/request-head.js';
import { parseResponseHead } from '../../src/proxy/http/response-head.js';
import { writeRequestHead } from '../../src/proxy/http/head-writer.js';

const MAX_HEAD = 1024;

interface Framed {
  summary: string[];
  error?: { status: number; message: string };
}

/** Frames requests the way the session does: head, then body bytes counted (not decoded). */
function frameRequests(chunks: Buffer[], dropTrailers = false): Framed {
  const summary: string[] = [];
  const framer = new BodyFramer(undefined, dropTrailers);
  let pending: Buffer | null = null;
  let head: RequestHead | null = null;
  let body: Buffer[] = [];
  try {
    for (const chunk of chunks) {
      pending = pending === null ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        if (head === null) {
          if (pending === null) break;
          const end = findHeadEnd(pending, MAX_HEAD);
          if (end === -1) {
            checkRequestPrefix(pending);
            break;
          }
          head = parseRequestHead(pending.toString('latin1', 0, end));
          pending = end === pending.length ? null : pending.subarray(end);
          framer.reset(head.body);
          body = [];
        }
        if (!framer.done) {
          if (pending === null) break;
          const n = framer.consume(pending, 0);
          const dropped = framer.dropped ?? [n, n];
          body.push(pending.subarray(0, dropped[0]), pending.subarray(dropped[1], n));
          pending = n === pending.length ? null : pending.subarray(n);
          if (!framer.done) break;
        }
        summary.push(
          `${head.method} ${head.target} 1.${head.minor} keep=${head.keepAlive} up=${head.upgrade} cont=${head.expectContinue} body=${JSON.stringify(Buffer.concat(body).toString('latin1'))}`,
        );
        head = null;
      }
    }
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return { summary, error: { status: err.status, message: err.message } };
  }
  if (head !== null || pending !== null) summary.push(`incomplete`);
  return { summary };
}

function splits(stream: Buffer): Buffer[][] {
  const out: Buffer[][] = [[stream]];
  for (let i = 1; i < stream.length; i++) out.push([stream.subarray(0, i), stream.subarray(i)]);
  out.push([...stream].map((b) => Buffer.from([b])));
  return out;
}

/** Checks that every split of the stream frames exactly like the whole stream and returns that. */
function frameEverySplit(text: string, dropTrailers = false): Framed {
  const stream = Buffer.from(text, 'latin1');
  const whole = frameRequests([stream], dropTrailers);
  for (const parts of splits(stream)) {
    assert.deepEqual(
      frameRequests(parts, dropTrailers),
      whole,
      `split into ${parts.map((p) => p.length).join('+')} bytes`,
    );
  }
  return whole;
}

const H = 'Host: a\r\n';

describe('HTTP/1.1 request framer', () => {
  const good: Array<[string, string, string[]]> = [
    [
      'Content-Length body',
      `POST /a HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`,
      ['POST /a 1.1 keep=true up=false cont=false body="hello"'],
    ],
    [
      'chunked body with extensions and trailers, forwarded undecoded',
      `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;foo=bar\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n`,
      [
        'POST / 1.1 keep=true up=false cont=false body="5;foo=bar\\r\\nhello\\r\\nA\\r\\n0123456789\\r\\n0\\r\\nX-T: 1\\r\\n\\r\\n"',
      ],
    ],
    [
      'pipelined requests',
      `GET /1 HTTP/1.1\r\n${H}\r\nPOST /2 HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
      [
        'GET /1 1.1 keep=true up=false cont=false body=""',
        'POST /2 1.1 keep=true up=false cont=false body="ok"',
        'GET /3 1.1 keep=false up=false cont=false body=""',
      ],
    ],
    [
      'HTTP/1.0 closes unless keep-alive is asked for',
      'GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
      ['GET / 1.0 keep=false up=false cont=false body=""', 'GET / 1.0 keep=true up=false cont=false body=""'],
    ],
    [
      'Expect: 100-continue',
      `PUT /x HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 1\r\n\r\nz`,
      ['PUT /x 1.1 keep=true up=false cont=true body="z"'],
    ],
    [
      'Upgrade',
      `GET /ws HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
      ['GET /ws 1.1 keep=true up=true cont=false body=""'],
    ],
    [
      'Content-Length: 0',
      `POST / HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`,
      ['POST / 1.1 keep=true up=false cont=false body=""'],
    ],
    [
      'CONNECT authority-form',
      `CONNECT db.x:5432 HTTP/1.1\r\nHost: db.x:5432\r\n\r\n`,
      ['CONNECT db.x:5432 1.1 keep=true up=false cont=false body=""'],
    ],
  ];
  for (const [name, text, expected] of good) {
    it(`frames ${name} the same at every split`, () => {
      assert.deepEqual(frameEverySplit(text), { summary: expected });
    });
  }

  // Request trailers never reach the app (a forged X-Forwarded-Client-Cert could hide there); the
  // chunked framing around them, and the request after them, are kept.
  const trailers: Array<[string, string, string[]]> = [
    [
      'one trailer field',
      `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Forwarded-Client-Cert: By=forged\r\n\r\n`,
      ['POST / 1.1 keep=true up=false cont=false body="2\\r\\nhi\\r\\n0\\r\\n\\r\\n"'],
    ],
    [
      'several trailer fields, then a pipelined request',
      `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0;e=1\r\nA: 1\r\nx-forwarded-client-cert: x\r\nB: 2\r\n\r\nGET /n HTTP/1.1\r\n${H}\r\n`,
      [
        'POST / 1.1 keep=true up=false cont=false body="0;e=1\\r\\n\\r\\n"',
        'GET /n 1.1 keep=true up=false cont=false body=""',
      ],
    ],
    [
      'no trailer at all',
      `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n`,
      ['POST / 1.1 keep=true up=false cont=false body="1\\r\\nz\\r\\n0\\r\\n\\r\\n"'],
    ],
  ];
  for (const [name, text, expected] of trailers) {
    it(`drops request trailer fields at every split: ${name}`, () => {
      assert.deepEqual(frameEverySplit(text, true), { summary: expected });
    });
  }

  const bad: Array<[string, string, number]> = [
    [
      'Content-Length with Transfer-Encoding',
      `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
    ],
    [
      'duplicate Content-Length',
      `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`,
      400,
    ],
    ['a Content-Length list', `POST / HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabc`, 400],
    ['a signed Content-Length', `POST / HTTP/1.1\r\n${H}Content-Length: +3\r\n\r\nabc`, 400],
    ['a huge Content-Length', `POST / HTTP/1.1\r\n${H}Content-Length: 99999999999999999999\r\n\r\n`, 400],
    ['a bad chunk size', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, 400],
    ['a chunk size without digits', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n;x\r\n`, 400],
    [
      'chunk data longer than its size',
      `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n`,
      400,
    ],
    [
      'an overlong chunk size',
      `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${'f'.repeat(14)}\r\n`,
      400,
    ],
    ['obs-fold', `GET / HTTP/1.1\r\n${H}X-A: 1\r\n  folded\r\n\r\n`, 400],
    ['whitespace before the colon', `GET / HTTP/1.1\r\n${H}X-A : 1\r\n\r\n`, 400],
    ['a bare LF inside the head', `GET / HTTP/1.1\r\n${H}X-A: 1\nX-B: 2\r\n\r\n`, 400],
    [
      'two Transfer-Encodings',
      `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
    ],
    ['an unknown transfer coding', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n`, 501],
    ['Transfer-Encoding in HTTP/1.0', `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', 400],
    ['two Hosts', `GET / HTTP/1.1\r\n${H}${H}\r\n`, 400],
    ['an unsupported version', `GET / HTTP/2.0\r\n${H}\r\n`, 505],
    ['a malformed request line', `GET  / HTTP/1.1\r\n${H}\r\n`, 400],
    ['a TLS ClientHello', '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n', 400],
    [
      'a ClientHello without any CRLF, refused before the head ends',
      '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03',
      400,
    ],
    ['a request line with a control character, refused early', 'GET /\x00', 400],
    ['a head over the limit', `GET / HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(MAX_HEAD)}\r\n\r\n`, 431],
  ];
  for (const [name, text, status] of bad) {
    it(`refuses ${name} with ${status} at every split`, () => {
      const framed = frameEverySplit(text);
      assert.equal(framed.error?.status, status, JSON.stringify(framed));
    });
  }

  it('refuses an endless head without CRLFCRLF once it passes the limit', () => {
    const framed = frameRequests([Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(MAX_HEAD + 10)}`)]);
    assert.equal(framed.error?.status, 431);
  });
});

describe('HTTP/1.1 response framing', () => {
  const cases: Array<[string, string, string, string]> = [
    [
      'HEAD response with Content-Length has no body',
      'HEAD',
      'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n',
      'none',
    ],
    ['204 has no body', 'GET', 'HTTP/1.1 204 No Content\r\n\r\n', 'none'],
    [
      '304 with Content-Length has no body',
      'GET',
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n',
      'none',
    ],
    ['100 Continue has no body', 'PUT', 'HTTP/1.1 100 Continue\r\n\r\n', 'none'],
    ['no length means until close', 'GET', 'HTTP/1.0 200 OK\r\n\r\n', 'close'],
    ['chunked', 'GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'chunked'],
    ['Content-Length', 'GET', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', 'length'],
    ['2xx to CONNECT is a tunnel', 'CONNECT', 'HTTP/1.1 200 Connection established\r\n\r\n', 'none'],
  ];
  for (const [name, method, text, kind] of cases) {
    it(name, () => assert.equal(parseResponseHead(text, method).body.kind, kind));
  }

  it('does not keep a close-delimited or Connection: close response alive', () => {
    assert.equal(parseResponseHead('HTTP/1.1 200 OK\r\n\r\n', 'GET').keepAlive, false);
    assert.equal(
      parseResponseHead('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', 'GET').keepAlive,
      false,
    );
    assert.equal(parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'GET').keepAlive, true);
  });

  it('refuses an ambiguous response (Content-Length and Transfer-Encoding) with 502', () => {
    assert.throws(
      () =>
        parseResponseHead(
          'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
          'GET',
        ),
      (e: unknown) => e instanceof HttpError && e.status === 502,
    );
    assert.throws(() => parseResponseHead('HTTP/1.1 20 OK\r\n\r\n', 'GET'), HttpError);
  });
});

describe('request head rewriting', () => {
  it('drops hop-by-hop, Proxy-* and XFCC headers and the ones Connection names, never framing ones', () => {
    const head = parseRequestHead(
      `POST http://a:1/p HTTP/1.1\r\nHost: a:1\r\nConnection: keep-alive, X-Secret, Content-Length\r\nKeep-Alive: 5\r\nProxy-Authorization: x\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nX-Secret: s\r\nX-Forwarded-Client-Cert: By=forged\r\nx-forwarded-client-cert: again\r\nContent-Length: 2\r\nX-Keep: k\r\n\r\n`,
    );
    const out = writeRequestHead(head, { target: '/p', append: ['x-forwarded-client-cert: By=real'] });
    assert.equal(
      out,
      'POST /p HTTP/1.1\r\nHost: a:1\r\nContent-Length: 2\r\nX-Keep: k\r\nx-forwarded-client-cert: By=real\r\n\r\n',
    );
  });

  it('keeps an upgrade request an upgrade', () => {
    const head = parseRequestHead(
      `GET /ws HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    );
    assert.equal(
      writeRequestHead(head, { target: '/ws', append: [] }),
      `GET /ws HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: websocket\r\n\r\n`,
    );
  });

  const ignored: Array<[string, string]> = [
    [
      'h2c',
      'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n',
    ],
    ['a made-up protocol', 'Connection: Upgrade\r\nUpgrade: tunnel-me\r\n'],
    ['WebSocket offered beside another protocol', 'Connection: Upgrade\r\nUpgrade: websocket, h2c\r\n'],
  ];
  for (const [name, lines] of ignored) {
    it(`ignores an upgrade to ${name}: a plain request, its Upgrade dropped`, () => {
      const head = parseRequestHead(`GET /x HTTP/1.1\r\n${H}${lines}\r\n`);
      assert.equal(head.upgrade, false);
      assert.equal(writeRequestHead(head, { target: '/x', append: [] }), `GET /x HTTP/1.1\r\n${H}\r\n`);
    });
  }
});
