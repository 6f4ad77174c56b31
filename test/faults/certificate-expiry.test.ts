// Fault: the CA is unreachable while the sidecars' short-lived SVIDs run out, under STRICT; two
// ways: the network to the CA is cut (a relay between the sidecars and the CA; the rest of the
// control plane stays up), and the whole control plane is killed. Before expiry each sidecar must
// say so (its log: renewal failing, certificate not yet expired; its renewal-failure gauge; and,
// while the control plane is up, `automesh proxy-status`); once expired, STRICT peers refuse it
// with a visible reason (the client sidecar's handshake-failure counter, proxy-status EXPIRED);
// when the CA returns, the sidecars renew on their own and the requests succeed again, over
// fresh certificates.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../src/api/index.js';
import type { ChildProcess } from 'node:child_process';
import { runCli } from '../support/cli.js';
import {
  endpointsOf,
  exited,
  startControlPlaneProcess,
  startRuntimeAgainst,
} from './support/control-plane-process.js';
import { startTcpRelay, type TcpRelay } from './support/tcp-relay.js';
import type { ApiBackend } from './support/api-backend.js';
import {
  admin,
  createAll,
  describeFigures,
  httpGet,
  metricSum,
  peerAuthentication,
  readyPods,
  RequestStream,
  sampleResources,
  sleep,
  waitFor,
} from './support/mesh.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';

const ADDRESS_BLOCK = ADDRESS_BLOCKS.certificateExpiry;
const NS = 'expiry';
const SVID_TTL_SECONDS = 20;
const RENEWAL_FAILED = 'certificate renewal failed; retrying';

interface CertView {
  serialNumber: string;
  notAfter: string;
}

async function certOf(podIP: string): Promise<CertView> {
  return JSON.parse((await admin(podIP, '/certs')).body) as CertView;
}

/** A sidecar counter (see metricSum); its admin port must answer. */
async function counter(podIP: string, prefix: string): Promise<number> {
  const sum = await metricSum(podIP, prefix);
  assert.ok(sum !== undefined, `the admin port of ${podIP} answers`);
  return sum;
}

const EXPIRED_REFUSALS = 'automesh_handshake_failures_total{direction="outbound",reason="cert_has_expired"}';
const INBOUND_REQUESTS = 'automesh_requests_total{direction="inbound"';
const OWN_EXPIRED_ABORTS =
  'automesh_handshake_failures_total{direction="inbound",reason="own_certificate_expired"}';

/** The sidecar's log lines (JSON) with this message. */
function logLines(stateDir: string, pod: Pod, msg: string): Record<string, unknown>[] {
  const text = readFileSync(join(stateDir, 'pods', NS, pod.metadata.name, 'istio-proxy.log'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.includes(msg))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** How the CA becomes unreachable, what else to check meanwhile, and how it comes back. */
interface Outage {
  name: string;
  begin(): Promise<void>;
  /** Extra checks before `expiry` (ms), after it and after recovery; each returns its figures. */
  beforeExpiry(pods: Pod[], expiry: number): Promise<string>;
  afterExpiry(pods: Pod[]): Promise<string>;
  recovered(pods: Pod[]): Promise<string>;
  end(): Promise<void>;
}

const RENEWAL_FAILURES = 'automesh_certificate_renewal_failures{';

/**
 * `automesh proxy-status` through the real CLI; the CERTIFICATE column of each pod's row. With the
 * control plane down it must fail (exit 1, saying so) and show the sidecars' own report.
 */
async function certificateColumn(
  stateDir: string,
  pods: Pod[],
  controlPlane: 'up' | 'down' = 'up',
): Promise<{ text: string; cells: string[] }> {
  const result = await runCli(['proxy-status', '-n', NS], { env: { AUTOMESH_HOME: stateDir } });
  if (controlPlane === 'up') assert.equal(result.code, 0, result.stderr);
  else {
    assert.equal(result.code, 1, result.stdout);
    assert.match(
      result.stderr,
      /^error: the control plane at \S+ is unreachable \(ECONNREFUSED\); showing the sidecars' own report$/m,
    );
  }
  const cells = pods.map((pod) => {
    const row = result.stdout.split('\n').find((l) => l.startsWith(`${pod.metadata.name} `)) ?? '';
    return /(VALID .*|RENEWAL FAILING .*|EXPIRED .*|-)$/.exec(row.trimEnd())?.[1] ?? `(no row: ${row})`;
  });
  return { text: result.stdout, cells };
}

/**
 * `automesh proxy-status` before expiry (renewal failing, time left, why), after it (EXPIRED) and
 * once renewed (VALID); from the control plane, or with it down from the sidecars themselves.
 */
function proxyStatusChecks(
  stateDir: string,
  controlPlane: 'up' | 'down',
): Pick<Outage, 'beforeExpiry' | 'afterExpiry' | 'recovered'> {
  return {
    beforeExpiry: async (pods, expiry) => {
      // The first renewal is due at about half the lifetime: poll until both report it failing, leaving
      // time for the CLI (slow under tsx on a loaded machine) to answer before expiry.
      let { text, cells } = await certificateColumn(stateDir, pods, controlPlane);
      while (!cells.every((c) => c.startsWith('RENEWAL FAILING')) && Date.now() < expiry - 4_000) {
        await sleep(250);
        ({ text, cells } = await certificateColumn(stateDir, pods, controlPlane));
      }
      cells.forEach((cell) => assert.match(cell, /^RENEWAL FAILING \d+s left$/, text));
      for (const pod of pods) {
        assert.match(
          text,
          new RegExp(
            `^${pod.metadata.name}\\.${NS}: certificate renewal failing .*; it expires in \\d+s$`,
            'm',
          ),
        );
      }
      return `proxy-status (control plane ${controlPlane}) before expiry: ${cells.join(' / ')}`;
    },
    afterExpiry: async (pods) => {
      const { text, cells } = await certificateColumn(stateDir, pods, controlPlane);
      cells.forEach((cell) => assert.match(cell, /^EXPIRED \d+s ago$/, text));
      assert.match(text, /it has expired: STRICT peers refuse it$/m);
      return `after: ${cells.join(' / ')}`;
    },
    recovered: async (pods) => {
      const deadline = Date.now() + 10_000;
      let last = { text: '', cells: [] as string[] };
      while (Date.now() < deadline) {
        last = await certificateColumn(stateDir, pods);
        if (last.cells.every((c) => c.startsWith('VALID '))) break;
        await sleep(250);
      }
      last.cells.forEach((cell) => assert.match(cell, /^VALID \d+s$/, last.text));
      assert.doesNotMatch(last.text, /renewal failing/);
      return `recovered: ${last.cells.join(' / ')}`;
    },
  };
}

async function runOutage(stateDir: string, outage: Outage, backend: ApiBackend): Promise<void> {
  let stream: RequestStream | undefined;
  try {
    await createAll(backend, [...sampleResources(NS), peerAuthentication(NS, 'STRICT')]);
    const [client] = await readyPods(backend, NS, 'sleep');
    const [server] = await readyPods(backend, NS, 'httpbin');
    const pods = [client!, server!];
    const clientIP = client!.status!.podIP!;
    const serverIP = server!.status!.podIP!;
    const proxy = `http://${clientIP}:15001`;
    const url = `http://httpbin.${NS}:8000/get`;
    await waitFor(
      'mTLS works',
      async () => (await httpGet(url, { proxy }).catch(() => undefined))?.status === 200,
    );

    const outageAt = Date.now();
    await outage.begin();
    const before = await Promise.all([certOf(clientIP), certOf(serverIP)]);
    const firstExpiry = Math.min(...before.map((c) => Date.parse(c.notAfter)));
    const lastExpiry = Math.max(...before.map((c) => Date.parse(c.notAfter)));
    stream = new RequestStream(proxy, url, 200);
    stream.start();
    const beforeFigures = await outage.beforeExpiry(pods, firstExpiry);

    // Before expiry: both sidecars log that renewal fails while the certificate is still valid,
    // and count the failures in a gauge an alert can watch.
    await sleep(Math.max(0, firstExpiry - Date.now() - 1_500));
    const earlyWarnings = pods.map(
      (pod) => logLines(stateDir, pod, RENEWAL_FAILED).filter((l) => l['currentExpired'] === false).length,
    );
    assert.ok(
      earlyWarnings.every((n) => n > 0),
      `each sidecar logged failing renewals before expiry (${earlyWarnings.join(', ')})`,
    );
    const gauges = await Promise.all([
      counter(clientIP, RENEWAL_FAILURES),
      counter(serverIP, RENEWAL_FAILURES),
    ]);
    assert.ok(
      gauges.every((n) => n > 0),
      `each sidecar's renewal-failure gauge is up (${gauges.join(', ')})`,
    );
    assert.deepEqual(stream.failuresSince(outageAt), [], 'requests still succeed until expiry');

    // After expiry: refused. The client's sidecar refuses the server's expired certificate (and
    // would be refused with its own); the reason shows in its handshake-failure counter, and
    // nothing reaches the server's app any more.
    await sleep(Math.max(0, lastExpiry - Date.now() + 500));
    const servedAtExpiry = await counter(serverIP, INBOUND_REQUESTS);
    const refusalsAtExpiry = await counter(clientIP, EXPIRED_REFUSALS);
    const abortsAtExpiry = await counter(serverIP, OWN_EXPIRED_ABORTS);
    await sleep(2_500);
    const expiredWindow = stream.failuresSince(lastExpiry + 500);
    const sentSinceExpiry = Math.floor(2_500 / 200);
    assert.ok(
      expiredWindow.length >= sentSinceExpiry - 2,
      `requests fail once the certificates expired (${expiredWindow.length} failed)`,
    );
    const clientReason = expiredWindow[0]?.what ?? '';
    assert.match(
      clientReason,
      /^HTTP 503: .*transport failure reason: CERT_HAS_EXPIRED: certificate has expired/,
      'the client gets a 503 from its sidecar that says why',
    );
    const refusals = (await counter(clientIP, EXPIRED_REFUSALS)) - refusalsAtExpiry;
    assert.ok(refusals > 0, 'the client sidecar counts handshakes refused for an expired certificate');
    const servedAfterExpiry = (await counter(serverIP, INBOUND_REQUESTS)) - servedAtExpiry;
    // The server side knows why the client walked away: its own certificate has expired.
    const serverAborts = (await counter(serverIP, OWN_EXPIRED_ABORTS)) - abortsAtExpiry;
    assert.ok(serverAborts > 0, 'the server sidecar counts handshakes aborted over its expired certificate');
    assert.equal(servedAfterExpiry, 0, 'no request reaches the app behind STRICT once expired');
    const expiredLogs = pods.map(
      (pod) => logLines(stateDir, pod, RENEWAL_FAILED).filter((l) => l['currentExpired'] === true).length,
    );
    assert.ok(
      expiredLogs.every((n) => n > 0),
      `each sidecar logs (error) that its certificate expired and renewal still fails (${expiredLogs.join(', ')})`,
    );
    const afterFigures = await outage.afterExpiry(pods);

    // The CA returns: renewal resumes by itself and the stream recovers.
    const returnedAt = Date.now();
    await outage.end();
    const recoveredAt = await waitFor(
      'requests succeeding again',
      async () => {
        const r = await httpGet(url, { proxy }).catch(() => undefined);
        return r?.status === 200 && Date.now();
      },
      45_000,
    );
    const after = await Promise.all([certOf(clientIP), certOf(serverIP)]);
    const recoveredFigures = await outage.recovered(pods);
    const figures = await stream.stop();
    console.log(
      `${describeFigures(`SVID expiry, ${outage.name}`, figures, (Date.now() - outageAt) / 1000)}; ` +
        `TTL ${SVID_TTL_SECONDS} s, CA unreachable ${((returnedAt - outageAt) / 1000).toFixed(1)} s, ` +
        `failing-renewal warnings before expiry ${earlyWarnings.join('/')} (client/server), ` +
        `renewal-failure gauges ${gauges.join('/')}, errors after ${expiredLogs.join('/')}; ` +
        `client saw "${clientReason.slice(0, 200)}"; client cert_has_expired refusals +${refusals}, ` +
        `server inbound requests after expiry ${servedAfterExpiry}, own_certificate_expired aborts +${serverAborts}; ` +
        `recovered ${recoveredAt - returnedAt} ms after the CA returned; ` +
        `serials ${before.map((c) => c.serialNumber.slice(0, 8)).join(',')} → ${after.map((c) => c.serialNumber.slice(0, 8)).join(',')}` +
        [beforeFigures, afterFigures, recoveredFigures]
          .filter(Boolean)
          .map((f) => `; ${f}`)
          .join(''),
    );
    after.forEach((c, i) => assert.notEqual(c.serialNumber, before[i]!.serialNumber, 'a fresh certificate'));
    assert.ok(after.every((c) => Date.parse(c.notAfter) > Date.now()));
  } finally {
    await stream?.stop();
  }
}

describe('certificates expiring while the CA is unreachable', { timeout: 300_000 }, () => {
  const ttlEnv = { AUTOMESH_TEST_SVID_TTL_SECONDS: String(SVID_TTL_SECONDS) };

  it('network to the CA cut: reported before expiry (proxy-status too), refused under STRICT once expired, renewed when it returns', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'automesh-fault-expiry-cut-'));
    const controlPlane = await startControlPlaneProcess(stateDir, ttlEnv);
    let relay: TcpRelay | undefined;
    let runtime: Awaited<ReturnType<typeof startRuntimeAgainst>>['runtime'] | undefined;
    try {
      const caRelay = await startTcpRelay(() => endpointsOf(stateDir).caAddress);
      relay = caRelay;
      // Pod tokens outlived by the outage: the sidecars can only come back with tokens the runtime
      // replaced meanwhile (their certificates will have expired, so renewal falls back to the token).
      const started = await startRuntimeAgainst(stateDir, ADDRESS_BLOCK, {
        caAddress: () => caRelay.address,
        podTokenTtlSeconds: 8,
        podTokenRefreshMs: 3_000,
      });
      runtime = started.runtime;
      await runOutage(
        stateDir,
        {
          name: 'network to the CA cut',
          begin: () => caRelay.cut(),
          ...proxyStatusChecks(stateDir, 'up'),
          end: () => caRelay.restore(),
        },
        started.backend,
      );
    } finally {
      await runtime?.stop();
      await relay?.close();
      controlPlane.kill('SIGTERM');
      await exited(controlPlane);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('control plane killed: reported before expiry, refused under STRICT once expired, renewed when it returns', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'automesh-fault-expiry-kill-'));
    let controlPlane: ChildProcess = await startControlPlaneProcess(stateDir, ttlEnv);
    let runtime: Awaited<ReturnType<typeof startRuntimeAgainst>>['runtime'] | undefined;
    try {
      const started = await startRuntimeAgainst(stateDir, ADDRESS_BLOCK);
      runtime = started.runtime;
      await runOutage(
        stateDir,
        {
          name: 'control plane killed',
          begin: async () => {
            controlPlane.kill('SIGKILL');
            await exited(controlPlane);
          },
          ...proxyStatusChecks(stateDir, 'down'),
          end: async () => {
            controlPlane = await startControlPlaneProcess(stateDir, ttlEnv);
          },
        },
        started.backend,
      );
    } finally {
      await runtime?.stop();
      controlPlane.kill('SIGTERM');
      await exited(controlPlane);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
