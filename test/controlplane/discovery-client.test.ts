import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs } from '../../src/proxy/discovery/index.js';
import { parseSnapshot } from '../../src/proxy/discovery/parse-snapshot.js';
import type { DiscoveryHarness } from '../support/discovery-harness.js';
import { sleep, startDiscoveryHarness, waitFor } from '../support/discovery-harness.js';
import { StaticCertificateSource } from '../support/discovery-pki.js';
import { namespace, pod } from '../support/mesh-fixtures.js';
import { startDiscoveryClient } from '../../src/proxy/discovery/index.js';

describe('reconnect back-off', () => {
  it('grows exponentially up to the cap, with jitter in the upper half', () => {
    const options = { initialMs: 100, maxMs: 2000 };
    assert.equal(
      backoffDelayMs(0, options, () => 0),
      50,
    );
    assert.equal(
      backoffDelayMs(0, options, () => 1),
      100,
    );
    assert.equal(
      backoffDelayMs(3, options, () => 1),
      800,
    );
    assert.equal(
      backoffDelayMs(10, options, () => 1),
      2000,
    );
    assert.equal(
      backoffDelayMs(1000, options, () => 0.5),
      1500,
    );
    const spread = new Set(Array.from({ length: 20 }, () => backoffDelayMs(5, options)));
    assert.ok(spread.size > 1, 'jittered');
  });
});

describe('snapshot parsing', () => {
  const expected = { version: 'v1', pod: 'p', namespace: 'ns' };
  const good = { version: 'v1', proxy: { pod: 'p', namespace: 'ns' }, mesh: {}, inbound: [], outbound: [] };

  it('accepts a well-formed snapshot for this pod', () => {
    assert.equal(parseSnapshot(JSON.stringify(good), expected).ok, true);
  });

  it('refuses broken JSON, missing parts, another pod and a version mismatch', () => {
    const cases: [string, RegExp][] = [
      ['{', /not JSON/],
      [JSON.stringify({ ...good, inbound: undefined }), /inbound or outbound/],
      [JSON.stringify({ ...good, proxy: { pod: 'q', namespace: 'ns' } }), /not ns\/p/],
      [JSON.stringify({ ...good, version: 'v2' }), /differs/],
    ];
    for (const [json, error] of cases) {
      const result = parseSnapshot(json, expected);
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.error, error);
    }
  });
});

describe('discovery client', () => {
  let h: DiscoveryHarness;
  before(async () => {
    h = await startDiscoveryHarness();
    await h.store.create(namespace('a'));
    await h.store.create(pod('a', 'a1', { sa: 'sa-a' }));
  });
  after(async () => h.close());

  it('waits for its first certificate before it connects', async () => {
    const certificates = new StaticCertificateSource();
    const applied: string[] = [];
    const client = startDiscoveryClient({
      address: h.server.address,
      caRootPem: h.pki.rootPem,
      certificateSource: certificates,
      pod: 'a1',
      namespace: 'a',
      sink: { apply: (s) => (applied.push(s.version), { ok: true }) },
    });
    try {
      await sleep(100);
      assert.equal(h.server.proxyStatus().length, 0);
      certificates.rotate(await h.pki.svid('a', 'sa-a'));
      await client.firstSnapshot();
      assert.equal(applied.length, 1);
      assert.equal(client.status().version, applied[0]);
    } finally {
      await client.close();
    }
  });

  it('uses the current certificate for each new connection', async () => {
    const sidecar = await h.sidecar('a', 'a1', { sa: 'intruder' });
    await waitFor(
      () => /PERMISSION_DENIED/.test(sidecar.client.status().lastError ?? ''),
      'the first certificate refused',
    );
    assert.equal(sidecar.applied.length, 0);
    sidecar.certificates.rotate(await h.pki.svid('a', 'sa-a'));
    await sidecar.client.firstSnapshot();
    assert.equal(sidecar.applied[0]?.proxy.pod, 'a1');
    assert.equal(sidecar.client.status().connected, true);
  });
});
