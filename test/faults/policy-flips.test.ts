// Fault: the namespace's PeerAuthentication flips PERMISSIVE → STRICT → DISABLE → PERMISSIVE while a
// sidecar client sends a steady stream to a meshed server. Auto mTLS must follow every flip without
// a single failed request; each phase also checks the flip really took effect (a plaintext client
// is refused under STRICT, and the client sidecar speaks mTLS or plaintext as the mode asks).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostPort } from '../../src/runtime/index.js';
import {
  createAll,
  describeFigures,
  httpGet,
  peerAuthentication,
  readyPods,
  RequestStream,
  sampleResources,
  sleep,
  startFaultMesh,
  untilReachable,
  waitFor,
} from './support/mesh.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';

const ADDRESS_BLOCK = ADDRESS_BLOCKS.policyFlips;
const NS = 'flip';
const PHASE_MS = 3_000;

/** Whether a plaintext request straight to httpbin's inbound port gets an answer. */
async function plaintextAccepted(podIP: string): Promise<boolean> {
  try {
    const r = await httpGet(`http://${podIP}:${hostPort(80)}/get`, { timeoutMs: 2_000 });
    return r.status === 200;
  } catch {
    return false;
  }
}

describe('policy flips under a steady stream', { timeout: 120_000 }, () => {
  it('loses no request from a sidecar client across PERMISSIVE → STRICT → DISABLE → PERMISSIVE', async () => {
    const fault = await startFaultMesh('flips', { addressBlock: ADDRESS_BLOCK });
    let stream: RequestStream | undefined;
    try {
      const { store } = fault;
      await createAll(store, [...sampleResources(NS), peerAuthentication(NS, 'PERMISSIVE')]);
      const [client] = await readyPods(store, NS, 'sleep');
      const [server] = await readyPods(store, NS, 'httpbin');
      const serverIP = server!.status!.podIP!;
      let lastBody = '';
      await untilReachable(`http://${client!.status!.podIP}:15001`, `http://httpbin.${NS}:8000/get`);
      stream = new RequestStream(
        `http://${client!.status!.podIP}:15001`,
        `http://httpbin.${NS}:8000/get`,
        40,
        (body) => {
          lastBody = body;
          return undefined;
        },
      );
      const started = Date.now();
      stream.start();
      const phases: string[] = [];
      for (const mode of ['PERMISSIVE', 'STRICT', 'DISABLE', 'PERMISSIVE']) {
        const flippedAt = Date.now();
        await store.update(peerAuthentication(NS, mode));
        // The flip has reached the server sidecar when plaintext is refused exactly under STRICT,
        // and the client sidecar when it sends a client certificate exactly when mTLS is on.
        await waitFor(`${mode} in force`, async () => {
          const plain = await plaintextAccepted(serverIP);
          const mtls = lastBody.includes('X-Forwarded-Client-Cert');
          return plain === (mode !== 'STRICT') && mtls === (mode !== 'DISABLE');
        });
        const inForceMs = Date.now() - flippedAt;
        await sleep(PHASE_MS);
        phases.push(`${mode} in force after ${inForceMs} ms`);
      }
      const figures = await stream.stop();
      const seconds = (Date.now() - started) / 1000;
      console.log(`${describeFigures('policy flips', figures, seconds)}; ${phases.join(', ')}`);
      assert.ok(figures.sent >= 200, `a steady stream was sent (${figures.sent})`);
      assert.deepEqual(figures.failures, [], 'no request failed');
      assert.equal(figures.ok, figures.sent);
    } finally {
      await stream?.stop();
      await fault.stop();
    }
  });
});
