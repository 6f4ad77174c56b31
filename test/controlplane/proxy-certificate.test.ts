// A sidecar's report of its own certificate is shown by proxy-status: it must read, and a report
// that does not (or an error text of any length) must not get through as it came.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { proxyCertificate } from '../../src/controlplane/discovery/proxy-certificate.js';
import type { CertificateStatusMessage } from '../../src/wire/index.js';

const GOOD: CertificateStatusMessage = {
  serial_number: 'AB12',
  not_after: '2026-11-28T20:00:00.000Z',
  renewal_error: '',
  renewal_failing_since: '',
  renewal_failures: 0,
};

describe('a proxy certificate report', () => {
  it('reads a healthy report without renewal fields', () => {
    assert.deepEqual(proxyCertificate(GOOD), { serialNumber: 'ab12', notAfter: '2026-11-28T20:00:00.000Z' });
  });

  it('keeps the renewal trouble, its error bounded in length', () => {
    const report = proxyCertificate({
      ...GOOD,
      renewal_error: 'x'.repeat(10_000),
      renewal_failing_since: '2026-11-28T19:59:00Z',
      renewal_failures: 4,
    });
    assert.equal(report?.renewalError?.length, 300);
    assert.equal(report?.renewalFailingSince, '2026-11-28T19:59:00.000Z');
    assert.equal(report?.renewalFailures, 4);
  });

  const unreadable: Array<[string, Partial<CertificateStatusMessage>]> = [
    ['no expiry', { not_after: '' }],
    ['an expiry that is not a time', { not_after: 'tomorrow' }],
    ['a very long expiry text', { not_after: `2026-11-28T20:00:00.000Z${' '.repeat(100)}` }],
    ['a serial that is not hex', { serial_number: 'serial; DROP' }],
    ['an empty serial', { serial_number: '' }],
  ];
  for (const [name, change] of unreadable) {
    it(`refuses ${name}`, () => {
      assert.equal(proxyCertificate({ ...GOOD, ...change }), undefined);
    });
  }
});
