// The HTTP-or-not sniff of `auto` ports. What it calls not HTTP reaches the app unchecked, so
// every shape an HTTP parser accepts as a request must come out true; other protocols false; a
// decision on a prefix must hold for the whole.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP_SNIFF_BYTES, looksLikeHttp } from '../../src/proxy/session/socket-peek.js';

const cases: Array<[string, string, boolean | undefined]> = [
  ['GET', 'GET / HTTP/1.1\r\n', true],
  ['a method with a dash', 'M-SEARCH * HTTP/1.1\r\n', true],
  ['a long capitalised method', `${'X'.repeat(40)} / HTTP/1.1\r\n`, true],
  ['an empty line first', '\r\nGET / HTTP/1.1\r\n', true],
  ['a bare LF first', '\nGET / HTTP/1.1\r\n', true],
  ['a lower-case method with an HTTP version', 'get / HTTP/1.1\r\n', true],
  ['a made-up method with digits', 'x1 /a HTTP/1.0\n', true],
  ['a lower-case method, version not seen yet', 'get /some/long/path?q=', undefined],
  ['memcached', 'get key\r\n', false],
  ['memcached, several keys', 'get a b c\r\n', false],
  ['a Redis inline command', 'PING\r\n', false],
  ['a TLS record', '\x16\x03\x01\x02\x00', false],
  ['a Postgres startup packet', '\x00\x00\x00\x08\x04\xd2\x16\x2f', false],
  ['a method and nothing else yet', 'GET', undefined],
  ['nothing yet', '', undefined],
  ['a space first (Python splits the line on whitespace)', ' GET / HTTP/1.1\r\n', true],
  ['a vertical tab between the parts', 'GET\x0b/\x0bHTTP/1.1\r\n', true],
  ['a tab between the parts', 'POST\t/x\tHTTP/1.1\r\n', true],
  ['a method then a NUL', 'GET\x00', false],
];

describe('looksLikeHttp', () => {
  for (const [name, text, expected] of cases) {
    it(`${name}: ${String(expected)}`, () => {
      assert.equal(looksLikeHttp(Buffer.from(text, 'latin1')), expected);
    });
  }

  it('gives up (not HTTP) when the first bytes settle nothing, and keeps that answer', () => {
    const endless = Buffer.from(`get /${'a'.repeat(HTTP_SNIFF_BYTES)} HTTP/1.1\r\n`, 'latin1');
    assert.equal(looksLikeHttp(endless.subarray(0, HTTP_SNIFF_BYTES - 1)), undefined);
    assert.equal(looksLikeHttp(endless.subarray(0, HTTP_SNIFF_BYTES)), false);
    assert.equal(looksLikeHttp(endless), false);
  });

  it('decides the same on every prefix that decides', () => {
    for (const [, text] of cases) {
      const whole = looksLikeHttp(Buffer.from(text, 'latin1'));
      for (let cut = 0; cut <= text.length; cut++) {
        const early = looksLikeHttp(Buffer.from(text.slice(0, cut), 'latin1'));
        if (early !== undefined) assert.equal(early, whole, `${JSON.stringify(text)} cut at ${cut}`);
      }
    }
  });
});
