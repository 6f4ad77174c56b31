// An SVID lives no longer than its pod and no longer than the mesh says: renewal is held to the
// pod the certificate was issued to (its pod binding), checked in the store as a first request
// is, and the lifetime a CSR asks for is capped at the configured SVID TTL.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { CaServer } from '../../src/controlplane/ca/index.js';
import { startCaServer, storePodCheck } from '../../src/controlplane/ca/index.js';
import { PodTokenIssuer, podBindingOf } from '../../src/identity/index.js';
import { silentLogger } from '../../src/log/index.js';
import { MemoryConfigStore } from '../../src/store/index.js';
import { namespace, pod } from '../support/mesh-fixtures.js';
import type { RawResult } from './ca-call.js';
import { leafOf, rawCall } from './ca-call.js';
import { tempDir } from './support.js';

const TD = 'cluster.local';
const NINETY_DAYS_S = 90 * 24 * 3600;
/** The mesh's configured SVID TTL in this file. */
const SVID_TTL_S = 3600;
/** notBefore is back-dated and clocks move during a call: how far notAfter may sit past the cap. */
const SLACK_MS = 10_000;

function client(result: RawResult): { clientCert: { privateKeyPem: string; certChainPem: string[] } } {
  assert.ok(result.ok, result.ok ? '' : `${grpc.status[result.code]}: ${result.details}`);
  return { clientCert: { privateKeyPem: result.keyPem, certChainPem: result.res.cert_chain } };
}

function refusal(result: RawResult): string {
  return result.ok ? 'issued' : String(grpc.status[result.code]);
}

describe('CA: identity bound to its live pod, lifetime set by the mesh', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: MemoryConfigStore;
  let issuer: PodTokenIssuer;
  let ca: CaServer;

  /** A pod in the store and a token for it, as the runtime mints one. */
  async function podWithToken(ns: string, name: string, sa = 'sleep'): Promise<string> {
    if ((await store.get('Namespace', undefined, ns)) === undefined) await store.create(namespace(ns));
    const created = await store.create(pod(ns, name, { sa }));
    const podUid = created.metadata.uid ?? '';
    return issuer.mint({ namespace: ns, serviceAccount: sa, pod: name, podUid }, 3600);
  }

  before(async () => {
    dir = await tempDir();
    store = new MemoryConfigStore();
    issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
    ca = await startCaServer({
      stateDir: dir.path,
      trustDomain: TD,
      tokenVerifier: issuer,
      isPodCurrent: storePodCheck(store),
      defaultTtlSeconds: SVID_TTL_S,
      logger: silentLogger,
    });
  });
  after(async () => {
    await ca.close();
    await store.close();
    await dir.remove();
  });

  it('writes the pod into the SVID and keeps it there on renewal', async () => {
    const token = await podWithToken('bound', 'sleep-a');
    const first = await rawCall(ca, { token });
    const uid = (await store.get('Pod', 'bound', 'sleep-a'))?.metadata.uid;
    assert.deepEqual(podBindingOf(Buffer.from(leafOf(first).raw)), { pod: 'sleep-a', podUid: uid });
    const renewed = await rawCall(ca, client(first));
    assert.deepEqual(podBindingOf(Buffer.from(leafOf(renewed).raw)), { pod: 'sleep-a', podUid: uid });
  });

  it('refuses a renewal once the pod is deleted, from the first and from a renewed SVID', async () => {
    const first = await rawCall(ca, { token: await podWithToken('gone', 'sleep-b') });
    const renewed = await rawCall(ca, client(first));
    assert.equal(refusal(renewed), 'issued');
    await store.delete('Pod', 'gone', 'sleep-b');
    const fromFirst = await rawCall(ca, client(first));
    const fromRenewed = await rawCall(ca, client(renewed));
    assert.equal(refusal(fromFirst), 'PERMISSION_DENIED');
    assert.equal(refusal(fromRenewed), 'PERMISSION_DENIED');
    assert.ok(!fromFirst.ok && fromFirst.details.includes('gone/sleep-b'), 'the refusal names the pod');
  });

  it('refuses a renewal once the namespace is deleted', async () => {
    const first = await rawCall(ca, { token: await podWithToken('dropped', 'sleep-c') });
    await store.delete('Namespace', undefined, 'dropped');
    assert.equal(refusal(await rawCall(ca, client(first))), 'PERMISSION_DENIED');
  });

  it('refuses a renewal for a pod re-created under the same name', async () => {
    const first = await rawCall(ca, { token: await podWithToken('again', 'sleep-d') });
    await store.delete('Pod', 'again', 'sleep-d');
    await store.create(pod('again', 'sleep-d', { sa: 'sleep' }));
    assert.equal(refusal(await rawCall(ca, client(first))), 'PERMISSION_DENIED');
  });

  it('refuses a renewal while the pod is being deleted', async () => {
    const first = await rawCall(ca, { token: await podWithToken('ending', 'sleep-e') });
    const stored = await store.get('Pod', 'ending', 'sleep-e');
    assert.ok(stored);
    await store.update({
      ...stored,
      metadata: { ...stored.metadata, deletionTimestamp: new Date().toISOString() },
    });
    assert.equal(refusal(await rawCall(ca, client(first))), 'PERMISSION_DENIED');
  });

  it('caps a requested 90-day lifetime at the configured SVID TTL, first and on renewal', async () => {
    const first = await rawCall(ca, {
      token: await podWithToken('ttl', 'sleep-f'),
      ttlSeconds: NINETY_DAYS_S,
    });
    const cap = Date.now() + SVID_TTL_S * 1000 + SLACK_MS;
    const firstNotAfter = Date.parse(leafOf(first).validTo);
    assert.ok(firstNotAfter <= cap, `first SVID runs to ${new Date(firstNotAfter).toISOString()}`);
    const renewed = await rawCall(ca, { ...client(first), ttlSeconds: NINETY_DAYS_S });
    const renewedNotAfter = Date.parse(leafOf(renewed).validTo);
    assert.ok(renewedNotAfter <= cap, `renewed SVID runs to ${new Date(renewedNotAfter).toISOString()}`);
  });

  it('still grants a shorter lifetime than the configured one when asked', async () => {
    const short = await rawCall(ca, { token: await podWithToken('short', 'sleep-g'), ttlSeconds: 600 });
    const notAfter = Date.parse(leafOf(short).validTo);
    assert.ok(Math.abs(notAfter - Date.now() - 600_000) < SLACK_MS);
  });
});
