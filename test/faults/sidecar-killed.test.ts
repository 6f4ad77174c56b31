// Fault: one of two httpbin replicas loses its sidecar (SIGKILL) under a steady stream from a
// sidecar client. The client must keep succeeding (a request that could not be sent to the dead
// endpoint is retried on the other one), stop routing to the pod while it is not Ready, and the
// runtime must restart the sidecar with a fresh certificate, after which the pod serves again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoints, Pod } from '../../src/api/index.js';
import { startLocalMesh } from '../../src/cli/up/start-mesh.js';
import { cliArgv } from '../../src/cli/self.js';
import { silentLogger } from '../../src/log/index.js';
import {
  RequestStream,
  admin,
  createAll,
  describeFigures,
  isReady,
  readyPods,
  sampleResources,
  sleep,
  waitFor,
  untilReachable,
} from './support/mesh.js';

const ADDRESS_BLOCK = 8;
const NS = 'sidecarkill';

function restartCount(pod: Pod | undefined, container: string): number {
  return pod?.status?.containerStatuses?.find((c) => c.name === container)?.restartCount ?? -1;
}

async function serialOf(podIP: string): Promise<string | undefined> {
  const r = await admin(podIP, '/certs').catch(() => undefined);
  return r?.status === 200 ? (JSON.parse(r.body) as { serialNumber: string }).serialNumber : undefined;
}

/** Inbound requests a sidecar has counted (its Prometheus counters), or undefined when it is down. */
async function inboundRequests(podIP: string): Promise<number | undefined> {
  const r = await admin(podIP, '/stats/prometheus').catch(() => undefined);
  if (r?.status !== 200) return undefined;
  let total = 0;
  for (const line of r.body.split('\n')) {
    if (line.startsWith('automesh_requests_total{') && line.includes('direction="inbound"')) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

describe('a sidecar killed and restarted by the runtime', { timeout: 120_000 }, () => {
  it('keeps clients succeeding on the other replica and comes back Ready with a fresh certificate', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'automesh-fault-sidecar-'));
    const mesh = await startLocalMesh({
      stateDir,
      cliArgv: cliArgv(),
      logger: silentLogger,
      addressBlock: ADDRESS_BLOCK,
    });
    let stream: RequestStream | undefined;
    try {
      const store = mesh.controlPlane.store;
      await createAll(store, sampleResources(NS, { httpbinReplicas: 2 }));
      const [client] = await readyPods(store, NS, 'sleep');
      const [victim, survivor] = await readyPods(store, NS, 'httpbin', 2);
      const victimIP = victim!.status!.podIP!;
      const survivorIP = survivor!.status!.podIP!;
      const serialBefore = await serialOf(victimIP);
      assert.ok(serialBefore !== undefined);

      await untilReachable(`http://${client!.status!.podIP}:15001`, `http://httpbin.${NS}:8000/get`);
      stream = new RequestStream(
        `http://${client!.status!.podIP}:15001`,
        `http://httpbin.${NS}:8000/get`,
        40,
      );
      const started = Date.now();
      stream.start();
      await sleep(1_500);

      const pid = Number(
        readFileSync(join(stateDir, 'pods', NS, victim!.metadata.name, 'istio-proxy.pid'), 'utf8'),
      );
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');

      // While the pod is not Ready it leaves the Endpoints, and the client's snapshot with it.
      let sawNotReady = false;
      let survivorOnlyMs: number | undefined;
      const back = await waitFor(
        'the victim Ready again with its sidecar restarted',
        async () => {
          const pod = (await store.get('Pod', NS, victim!.metadata.name)) as Pod | undefined;
          if (pod !== undefined && !isReady(pod)) {
            sawNotReady = true;
            const ep = (await store.get('Endpoints', NS, 'httpbin')) as Endpoints | undefined;
            const ips = ep?.subsets?.flatMap((s) => s.addresses ?? []).map((a) => a.ip) ?? [];
            assert.ok(!ips.includes(victimIP), 'a pod that is not Ready is not an endpoint');
            survivorOnlyMs ??= Date.now() - killedAt;
          }
          return sawNotReady && restartCount(pod, 'istio-proxy') === 1 && isReady(pod!) && pod;
        },
        45_000,
      );
      const readyAgainMs = Date.now() - killedAt;
      const serialAfter = await serialOf(victimIP);
      assert.ok(serialAfter !== undefined && serialAfter !== serialBefore, 'a fresh certificate');

      // Traffic returns to the restarted pod.
      const served = await waitFor('the restarted sidecar serves inbound again', async () => {
        const n = await inboundRequests(victimIP);
        return n !== undefined && n > 0 && n;
      });
      const figures = await stream.stop();
      const survivorCount = await inboundRequests(survivorIP);
      console.log(
        `${describeFigures('sidecar SIGKILL (2 replicas)', figures, (Date.now() - started) / 1000)}; ` +
          `victim out of the Endpoints ${survivorOnlyMs} ms after the kill, Ready again after ${readyAgainMs} ms ` +
          `(istio-proxy restartCount ${restartCount(back, 'istio-proxy')}), serial ${serialBefore} → ${serialAfter}; ` +
          `inbound requests since: restarted ${served}, survivor ${survivorCount}`,
      );
      assert.deepEqual(figures.failures, [], 'no request failed');
    } finally {
      await stream?.stop();
      await mesh.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
