// Fault: the control plane (API server, store, CA, discovery) dies with SIGKILL under a steady mTLS
// stream, in the middle of a burst of writes. The runtime and the pods run in this process, the
// control plane in a child process (in `automesh up` they share one process, and killing that
// takes the runtime's supervision along; see docs/reliability.md). Asserts: no request fails while
// it is down (sidecars keep their snapshot and certificate), it comes back on the same state
// directory and the same addresses, the sidecars reconnect and ack again, a change made after the
// restart reaches them, and every write acknowledged before the kill is still stored.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '../../src/api/index.js';
import { hostPort } from '../../src/runtime/index.js';
import {
  endpointsOf,
  exited,
  proxyStatus,
  startControlPlaneProcess,
  startRuntimeAgainst,
} from './support/control-plane-process.js';
import {
  RequestStream,
  admin,
  createAll,
  describeFigures,
  httpGet,
  readyPods,
  sampleResources,
  sleep,
  waitFor,
  untilReachable,
} from './support/mesh.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';

const ADDRESS_BLOCK = ADDRESS_BLOCKS.controlPlaneKilled;
const NS = 'cpkill';
const DOWN_MS = 6_000;
const serviceAccount = (name: string): Resource => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace: NS },
});

describe('control plane killed under a steady mTLS stream', { timeout: 150_000 }, () => {
  it('loses no request and no acknowledged write, and sidecars resync when it returns', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'automesh-fault-cp-'));
    let controlPlane = await startControlPlaneProcess(stateDir);
    const { backend, runtime } = await startRuntimeAgainst(stateDir, ADDRESS_BLOCK);
    let stream: RequestStream | undefined;
    try {
      await createAll(backend, sampleResources(NS));
      const [client] = await readyPods(backend, NS, 'sleep');
      const [server] = await readyPods(backend, NS, 'httpbin');
      const clientIP = client!.status!.podIP!;
      const serverIP = server!.status!.podIP!;
      const versionsBefore = await Promise.all(
        [clientIP, serverIP].map(
          async (ip) => (JSON.parse((await admin(ip, '/config_dump')).body) as { version: string }).version,
        ),
      );
      const addressesBefore = endpointsOf(stateDir);

      let lastBody = '';
      await untilReachable(`http://${clientIP}:15001`, `http://httpbin.${NS}:8000/get`);
      stream = new RequestStream(`http://${clientIP}:15001`, `http://httpbin.${NS}:8000/get`, 40, (b) => {
        lastBody = b;
        return undefined;
      });
      const started = Date.now();
      stream.start();
      await sleep(1_500);
      assert.match(lastBody, /X-Forwarded-Client-Cert/, 'the stream runs over mTLS');

      // Writes one after another; the control plane dies in the middle of them.
      const acked: string[] = [];
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          try {
            await backend.create(serviceAccount(`acked-${i}`));
            acked.push(`acked-${i}`);
          } catch {
            return; // the control plane is gone: this write was never acknowledged
          }
        }
      })();
      await sleep(1_000);
      const killedAt = Date.now();
      const sentBeforeKill = stream.figures.sent;
      controlPlane.kill('SIGKILL');
      await exited(controlPlane);
      writing = false;
      await writer;

      await sleep(DOWN_MS);
      const downFailures = stream.failuresSince(killedAt);
      const sentWhileDown = stream.figures.sent - sentBeforeKill;
      for (const ip of [clientIP, serverIP]) {
        assert.equal((await admin(ip, '/ready')).status, 200, `${ip} stays ready without its control plane`);
        assert.equal((await admin(ip, '/certs')).status, 200);
      }
      assert.deepEqual(downFailures, [], 'no request failed while the control plane was down');

      const restartAt = Date.now();
      controlPlane = await startControlPlaneProcess(stateDir);
      const restartMs = Date.now() - restartAt;
      const addressesAfter = endpointsOf(stateDir);
      assert.deepEqual(
        [addressesAfter.apiServer, addressesAfter.caAddress, addressesAfter.discoveryAddress],
        [addressesBefore.apiServer, addressesBefore.caAddress, addressesBefore.discoveryAddress],
        'the control plane comes back where the sidecars look for it',
      );
      const status = await waitFor('both sidecars reconnected and synced', async () => {
        const list = await proxyStatus(stateDir);
        const mine = list?.items.filter((p) => p.namespace === NS) ?? [];
        return mine.length === 2 && mine.every((p) => p.synced) && list;
      });
      const resyncMs = Date.now() - restartAt;

      const stored = new Set(
        (await backend.list('ServiceAccount', { namespace: NS })).items.map((r) => r.metadata.name),
      );
      const lost = acked.filter((name) => !stored.has(name));
      assert.ok(acked.length > 0, 'some writes were acknowledged before the kill');
      assert.deepEqual(lost, [], 'every acknowledged write survived');

      // A change after the restart reaches the sidecars: STRICT refuses plaintext, the stream goes on.
      await backend.create({
        apiVersion: 'security.istio.io/v1beta1',
        kind: 'PeerAuthentication',
        metadata: { name: 'default', namespace: NS },
        spec: { mtls: { mode: 'STRICT' } },
      });
      await waitFor('STRICT in force on the server sidecar', async () => {
        const plain = await httpGet(`http://${serverIP}:${hostPort(80)}/get`, { timeoutMs: 2_000 }).catch(
          () => undefined,
        );
        return plain === undefined;
      });
      await sleep(1_000);
      const figures = await stream.stop();
      const versionsAfter = await Promise.all(
        [clientIP, serverIP].map(
          async (ip) => (JSON.parse((await admin(ip, '/config_dump')).body) as { version: string }).version,
        ),
      );
      console.log(
        `${describeFigures('control plane SIGKILL', figures, (Date.now() - started) / 1000)}; ` +
          `down ${DOWN_MS} ms with ${downFailures.length} failures (${sentWhileDown} sent meanwhile); ` +
          `${acked.length} writes acknowledged before the kill, ${lost.length} lost; ` +
          `restart ${restartMs} ms, sidecars synced ${resyncMs} ms after restart began ` +
          `(${status.items.length} proxies); snapshot versions ${versionsBefore.join(',')} → ${versionsAfter.join(',')}`,
      );
      assert.deepEqual(figures.failures, [], 'no request failed at any point');
      assert.notDeepEqual(versionsAfter, versionsBefore, 'the sidecars took the post-restart change');
    } finally {
      await stream?.stop();
      await runtime.stop();
      controlPlane.kill('SIGTERM');
      await exited(controlPlane);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
