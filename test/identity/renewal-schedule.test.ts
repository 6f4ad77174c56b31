import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renewalDelayMs, retryDelayMs } from '../../src/proxy/identity/index.js';

describe('renewal schedule', () => {
  it('renews at half the remaining lifetime, within ±10 % jitter', () => {
    assert.equal(renewalDelayMs(0, 4000, 0.5), 2000);
    assert.equal(renewalDelayMs(0, 4000, 0), 1800);
    assert.ok(renewalDelayMs(0, 4000, 0.9999) <= 2200);
    assert.equal(renewalDelayMs(1000, 86_401_000, 0.5), 43_200_000);
  });

  it('renews at once when the certificate already expired', () => {
    assert.equal(renewalDelayMs(5000, 4000, 0.5), 0);
  });

  it('backs off exponentially up to the maximum', () => {
    const delays = [1, 2, 3, 4, 10, 40].map((n) => retryDelayMs(n, 1, 0, undefined, 500, 30_000));
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 30_000, 30_000]);
  });

  it('retries well before a still-valid certificate expires', () => {
    assert.equal(retryDelayMs(10, 1, 0, 8000, 500, 30_000), 2000);
    assert.equal(retryDelayMs(10, 1, 0, 100, 500, 30_000), 500);
  });
});
