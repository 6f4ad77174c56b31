// The HTTP-or-not sniff of `auto` ports. What it calls not HTTP reaches the app unchecked, so
// every shape an HTTP parser accepts as a request must come out 'http', and every prefix of one
// 'http' or 'undecided' (which is HTTP once the sniff stops waiting); other protocols 'not-http';
// a decision on a prefix must hold for the whole.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP_SNIFF_BYTES, settleHttpSniff, sniffHttp } from '../../src/proxy/session/http-sniff.js';
import type { HttpSniff } from '../../src/proxy/session/http-sniff.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

const cases: Array<[string, string, HttpSniff]> = [
  ['GET', 'GET / HTTP/1.1\r\n', 'http'],
  ['a method with a dash', 'M-SEARCH * HTTP/1.1\r\n', 'http'],
  ['a long capitalised method', `${'X'.repeat(40)} / HTTP/1.1\r\n`, 'http'],
  ['an empty line first', '\r\nGET / HTTP/1.1\r\n', 'http'],
  ['a bare LF first', '\nGET / HTTP/1.1\r\n', 'http'],
  ['a lower-case method with an HTTP version', 'get / HTTP/1.1\r\n', 'http'],
  ['a made-up method with digits', 'x1 /a HTTP/1.0\n', 'http'],
  ['a lower-case method, version not seen yet', 'get /some/long/path?q=', 'undecided'],
  ['memcached', 'get key\r\n', 'not-http'],
  ['memcached, several keys', 'get a b c\r\n', 'not-http'],
  ['a Redis inline command', 'PING\r\n', 'not-http'],
  ['a Redis RESP command', '*1\r\n$4\r\nPING\r\n', 'not-http'],
  ['an SSH banner', 'SSH-2.0-OpenSSH_9.6\r\n', 'not-http'],
  ['a TLS record', '\x16\x03\x01\x02\x00', 'not-http'],
  ['a Postgres startup packet', '\x00\x00\x00\x08\x04\xd2\x16\x2f', 'not-http'],
  ['a method and nothing else yet', 'GET', 'undecided'],
  ['one byte of a method', 'G', 'undecided'],
  ['nothing yet', '', 'undecided'],
  ['a space first (Python splits the line on whitespace)', ' GET / HTTP/1.1\r\n', 'http'],
  ['a vertical tab between the parts', 'GET\x0b/\x0bHTTP/1.1\r\n', 'http'],
  ['a tab between the parts', 'POST\t/x\tHTTP/1.1\r\n', 'http'],
  ['a method then a NUL', 'GET\x00', 'not-http'],
];

/** Whole requests as clients send them, each cut at every byte in the tests below. */
const requests: string[] = [
  'GET /headers HTTP/1.1\r\nHost: httpbin\r\nx-forwarded-client-cert: By=x;URI=y\r\n\r\n',
  'POST /echo HTTP/1.1\r\nHost: httpbin\r\nContent-Length: 2\r\n\r\nhi',
  'M-SEARCH * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n',
  'CONNECT db.x:5432 HTTP/1.1\r\nHost: db.x:5432\r\n\r\n',
  '\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n',
  'get /lower HTTP/1.1\r\nHost: x\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  `GET /${'a'.repeat(HTTP_SNIFF_BYTES)} HTTP/1.1\r\nHost: x\r\n\r\n`,
];

describe('sniffHttp', () => {
  for (const [name, text, expected] of cases) {
    it(`${name}: ${expected}`, () => {
      assert.equal(sniffHttp(bytes(text)), expected);
    });
  }

  it('decides the same on every prefix that decides', () => {
    for (const text of [...cases.map(([, t]) => t), ...requests]) {
      const whole = sniffHttp(bytes(text));
      for (let cut = 0; cut <= text.length; cut++) {
        const early = sniffHttp(bytes(text.slice(0, cut)));
        if (early !== 'undecided') assert.equal(early, whole, `${JSON.stringify(text)} cut at ${cut}`);
      }
    }
  });

  it('never calls a request, cut at any byte, not HTTP, and settles every cut as HTTP', () => {
    for (const text of requests) {
      for (let cut = 1; cut <= text.length; cut++) {
        const prefix = bytes(text.slice(0, cut));
        assert.notEqual(sniffHttp(prefix), 'not-http', `${JSON.stringify(text)} cut at ${cut}`);
        assert.equal(settleHttpSniff(prefix), 'http', `${JSON.stringify(text)} cut at ${cut}`);
      }
    }
  });

  it('takes a first line still undecided at HTTP_SNIFF_BYTES for HTTP, and keeps that answer', () => {
    const endless = bytes(`get /${'a'.repeat(HTTP_SNIFF_BYTES)} HTTP/1.1\r\n`);
    assert.equal(sniffHttp(endless.subarray(0, HTTP_SNIFF_BYTES - 1)), 'undecided');
    assert.equal(sniffHttp(endless.subarray(0, HTTP_SNIFF_BYTES)), 'http');
    assert.equal(sniffHttp(endless), 'http');
  });

  it('still pipes a long memcached multi-key get that ends within HTTP_SNIFF_BYTES', () => {
    const keys = Array.from({ length: 400 }, (_, i) => `key:${i}`).join(' ');
    const line = bytes(`get ${keys}\r\n`);
    assert.ok(line.length > 1024 && line.length < HTTP_SNIFF_BYTES);
    assert.equal(sniffHttp(line), 'not-http');
  });
});

describe('settleHttpSniff (the sniff stops waiting: timeout or end of input)', () => {
  const settled: Array<[string, string, 'http' | 'not-http']> = [
    ['one byte of a method', 'G', 'http'],
    ['a method cut in its middle', 'M-SEA', 'http'],
    ['a lower-case request line without its version yet', 'get /path', 'http'],
    ['a memcached line cut before its end', 'get key', 'http'],
    ['a whole memcached line', 'get key\r\n', 'not-http'],
    ['a TLS record', '\x16\x03\x01', 'not-http'],
    ['a whole request', 'GET / HTTP/1.1\r\n\r\n', 'http'],
  ];
  for (const [name, text, expected] of settled) {
    it(`${name}: ${expected}`, () => {
      assert.equal(settleHttpSniff(bytes(text)), expected);
    });
  }
});
