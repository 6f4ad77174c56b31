// Fault: the CA is unreachable (control plane killed) while the sidecars' short-lived SVIDs run
// out, under STRICT. Before expiry each sidecar must say so (its log: renewal failing, certificate
// not yet expired); once expired, STRICT peers refuse it with a visible reason (the client's 503
// body, the server's handshake-failure counter); when the CA returns, the sidecars renew on their
// own and the requests succeed again, over fresh certificates.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../src/api/index.js';
import { exited, startControlPlaneProcess, startRuntimeAgainst } from './support/control-plane-process.js';
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
} from './support/mesh.js';

const ADDRESS_BLOCK = 14;
const NS = 'expiry';
const SVID_TTL_SECONDS = 12;
const RENEWAL_FAILED = 'certificate renewal failed; retrying';

interface CertView {
  serialNumber: string;
  notAfter: string;
}

async function certOf(podIP: string): Promise<CertView> {
  return JSON.parse((await admin(podIP, '/certs')).body) as CertView;
}

/** The sum of a sidecar's counter lines that start with `prefix` (name and some labels). */
async function counter(podIP: string, prefix: string): Promise<number> {
  const body = (await admin(podIP, '/stats/prometheus')).body;
  return body
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const EXPIRED_REFUSALS = 'automesh_handshake_failures_total{direction="outbound",reason="cert_has_expired"}';
const INBOUND_REQUESTS = 'automesh_requests_total{direction="inbound"';

/** The sidecar's log lines (JSON) with this message. */
function logLines(stateDir: string, pod: Pod, msg: string): Record<string, unknown>[] {
  const text = readFileSync(join(stateDir, 'pods', NS, pod.metadata.name, 'istio-proxy.log'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.includes(msg))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('certificates expiring while the CA is unreachable', { timeout: 150_000 }, () => {
  it('are reported before expiry, refused under STRICT once expired, and renewed when the CA returns', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'automesh-fault-expiry-'));
    const ttlEnv = { AUTOMESH_TEST_SVID_TTL_SECONDS: String(SVID_TTL_SECONDS) };
    let controlPlane = await startControlPlaneProcess(stateDir, ttlEnv);
    const { backend, runtime } = await startRuntimeAgainst(stateDir, ADDRESS_BLOCK);
    let stream: RequestStream | undefined;
    try {
      await createAll(backend, [
        ...sampleResources(NS),
        {
          apiVersion: 'security.istio.io/v1beta1',
          kind: 'PeerAuthentication',
          metadata: { name: 'default', namespace: NS },
          spec: { mtls: { mode: 'STRICT' } },
        },
      ]);
      const [client] = await readyPods(backend, NS, 'sleep');
      const [server] = await readyPods(backend, NS, 'httpbin');
      const clientIP = client!.status!.podIP!;
      const serverIP = server!.status!.podIP!;
      const proxy = `http://${clientIP}:15001`;
      const url = `http://httpbin.${NS}:8000/get`;
      await waitFor(
        'mTLS works',
        async () => (await httpGet(url, { proxy }).catch(() => undefined))?.status === 200,
      );

      const killedAt = Date.now();
      controlPlane.kill('SIGKILL');
      await exited(controlPlane);
      const before = await Promise.all([certOf(clientIP), certOf(serverIP)]);
      const firstExpiry = Math.min(...before.map((c) => Date.parse(c.notAfter)));
      const lastExpiry = Math.max(...before.map((c) => Date.parse(c.notAfter)));
      stream = new RequestStream(proxy, url, 200);
      stream.start();

      // Before expiry: both sidecars log that renewal fails while the certificate is still valid.
      await sleep(Math.max(0, firstExpiry - Date.now() - 500));
      const earlyWarnings = [client!, server!].map(
        (pod) => logLines(stateDir, pod, RENEWAL_FAILED).filter((l) => l['currentExpired'] === false).length,
      );
      assert.ok(
        earlyWarnings.every((n) => n > 0),
        `each sidecar logged failing renewals before expiry (${earlyWarnings.join(', ')})`,
      );
      assert.deepEqual(stream.failuresSince(killedAt), [], 'requests still succeed until expiry');

      // After expiry: refused. The client's sidecar refuses the server's expired certificate (and
      // would be refused with its own); the reason shows in its handshake-failure counter, and
      // nothing reaches the server's app any more.
      await sleep(Math.max(0, lastExpiry - Date.now() + 500));
      const servedAtExpiry = await counter(serverIP, INBOUND_REQUESTS);
      const refusalsAtExpiry = await counter(clientIP, EXPIRED_REFUSALS);
      await sleep(2_500);
      const expiredWindow = stream.failuresSince(lastExpiry + 500);
      const sentSinceExpiry = Math.floor(2_500 / 200);
      assert.ok(
        expiredWindow.length >= sentSinceExpiry - 2,
        `requests fail once the certificates expired (${expiredWindow.length} failed)`,
      );
      const clientReason = expiredWindow[0]?.what ?? '';
      assert.match(clientReason, /^HTTP 503/, 'the client gets a 503 from its sidecar');
      const refusals = (await counter(clientIP, EXPIRED_REFUSALS)) - refusalsAtExpiry;
      assert.ok(refusals > 0, 'the client sidecar counts handshakes refused for an expired certificate');
      const servedAfterExpiry = (await counter(serverIP, INBOUND_REQUESTS)) - servedAtExpiry;
      assert.equal(servedAfterExpiry, 0, 'no request reaches the app behind STRICT once expired');
      const expiredLogs = [client!, server!].map(
        (pod) => logLines(stateDir, pod, RENEWAL_FAILED).filter((l) => l['currentExpired'] === true).length,
      );
      assert.ok(
        expiredLogs.every((n) => n > 0),
        `each sidecar logs (error) that its certificate expired and renewal still fails (${expiredLogs.join(', ')})`,
      );

      // The CA returns: renewal resumes by itself and the stream recovers.
      const returnedAt = Date.now();
      controlPlane = await startControlPlaneProcess(stateDir, ttlEnv);
      const recoveredAt = await waitFor(
        'requests succeeding again',
        async () => {
          const r = await httpGet(url, { proxy }).catch(() => undefined);
          return r?.status === 200 && Date.now();
        },
        45_000,
      );
      const after = await Promise.all([certOf(clientIP), certOf(serverIP)]);
      const figures = await stream.stop();
      console.log(
        `${describeFigures('SVID expiry with the CA down', figures, (Date.now() - killedAt) / 1000)}; ` +
          `TTL ${SVID_TTL_SECONDS} s, CA down ${((returnedAt - killedAt) / 1000).toFixed(1)} s, ` +
          `failing-renewal warnings before expiry ${earlyWarnings.join('/')} (client/server), ` +
          `errors after ${expiredLogs.join('/')}; client saw "${clientReason.slice(0, 150)}"; ` +
          `client cert_has_expired refusals +${refusals}, server inbound requests after expiry ${servedAfterExpiry}; recovered ${recoveredAt - returnedAt} ms after the CA returned; ` +
          `serials ${before.map((c) => c.serialNumber.slice(0, 8)).join(',')} → ${after.map((c) => c.serialNumber.slice(0, 8)).join(',')}`,
      );
      after.forEach((c, i) =>
        assert.notEqual(c.serialNumber, before[i]!.serialNumber, 'a fresh certificate'),
      );
      assert.ok(after.every((c) => Date.parse(c.notAfter) > Date.now()));
    } finally {
      await stream?.stop();
      await runtime.stop();
      controlPlane.kill('SIGTERM');
      await exited(controlPlane);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
