// Fault: one of two httpbin replicas loses its sidecar (SIGKILL) under a steady stream from a
// sidecar client. The client must keep succeeding (a request that could not be sent to the dead
// endpoint is retried on the other one), stop routing to the pod while it is not Ready, and the
// runtime must restart the sidecar with a fresh certificate, after which the pod serves again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Endpoints, Pod } from '../../src/api/index.js';
import {
  createAll,
  describeFigures,
  isReady,
  metricSum,
  readyPods,
  RequestStream,
  restartCount,
  sampleResources,
  serialOf,
  sleep,
  startFaultMesh,
  untilReachable,
  waitFor,
} from './support/mesh.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';

const ADDRESS_BLOCK = ADDRESS_BLOCKS.sidecarKilled;
const NS = 'sidecarkill';
const INBOUND_REQUESTS = 'automesh_requests_total{direction="inbound"';

describe('a sidecar killed and restarted by the runtime', { timeout: 120_000 }, () => {
  it('keeps clients succeeding on the other replica and comes back Ready with a fresh certificate', async () => {
    const fault = await startFaultMesh('sidecar', { addressBlock: ADDRESS_BLOCK });
    let stream: RequestStream | undefined;
    try {
      const { store, stateDir } = fault;
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
        const n = await metricSum(victimIP, INBOUND_REQUESTS);
        return n !== undefined && n > 0 && n;
      });
      const figures = await stream.stop();
      const survivorCount = await metricSum(survivorIP, INBOUND_REQUESTS);
      console.log(
        `${describeFigures('sidecar SIGKILL (2 replicas)', figures, (Date.now() - started) / 1000)}; ` +
          `victim out of the Endpoints ${survivorOnlyMs} ms after the kill, Ready again after ${readyAgainMs} ms ` +
          `(istio-proxy restartCount ${restartCount(back, 'istio-proxy')}), serial ${serialBefore} → ${serialAfter}; ` +
          `inbound requests since: restarted ${served}, survivor ${survivorCount}`,
      );
      assert.deepEqual(figures.failures, [], 'no request failed');
    } finally {
      await stream?.stop();
      await fault.stop();
    }
  });
});
