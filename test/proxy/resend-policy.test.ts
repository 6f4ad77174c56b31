import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mayResend } from '../../src/proxy/session/resend-policy.js';

describe('resend policy after a pooled connection closed before any response byte', () => {
  const cases: Array<[method: string, written: boolean, complete: boolean, resend: boolean]> = [
    ['POST', false, false, true],
    ['POST', true, true, false],
    ['PATCH', true, true, false],
    ['CONNECT', true, true, false],
    ['GET', true, true, true],
    ['HEAD', true, true, true],
    ['OPTIONS', true, true, true],
    ['TRACE', true, true, true],
    ['PUT', true, true, true],
    ['DELETE', true, true, true],
    ['PUT', true, false, false],
    ['get', true, true, false],
  ];
  for (const [method, written, complete, resend] of cases) {
    it(`${resend ? 'resends' : 'does not resend'} ${method} (${written ? 'written' : 'never written'}, ${complete ? 'complete' : 'body still streaming'})`, () => {
      assert.equal(mayResend({ method, written, complete }), resend);
    });
  }
});
