// Fault: a plaintext client holds a keep-alive connection to a meshed server opened under
// PERMISSIVE, and a namespace-wide STRICT PeerAuthentication is written. Once STRICT is in force
// (new plaintext connections refused), the open connection must not carry another request.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostPort } from '../../src/runtime/index.js';
import { eventually, openRaw } from '../proxy/harness.js';
import {
  createAll,
  httpGet,
  metricSum,
  peerAuthentication,
  readyPods,
  sampleResources,
  startFaultMesh,
  waitFor,
} from './support/mesh.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';

const ADDRESS_BLOCK = ADDRESS_BLOCKS.strictOpenConnections;
const NS = 'strict-open';

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: httpbin.${NS}:8000\r\n\r\n`;

/** Whether a plaintext request on a new connection to httpbin's inbound port gets an answer. */
async function plaintextAccepted(podIP: string): Promise<boolean> {
  try {
    const r = await httpGet(`http://${podIP}:${hostPort(80)}/get`, { timeoutMs: 2_000 });
    return r.status === 200;
  } catch {
    return false;
  }
}

describe('STRICT written through the control plane reaches open connections', { timeout: 120_000 }, () => {
  it('closes a plaintext keep-alive connection opened under PERMISSIVE once STRICT is in force', async () => {
    const fault = await startFaultMesh('strict-open', { addressBlock: ADDRESS_BLOCK });
    try {
      const { store } = fault;
      await createAll(store, [...sampleResources(NS), peerAuthentication(NS, 'PERMISSIVE')]);
      const [server] = await readyPods(store, NS, 'httpbin');
      const serverIP = server!.status!.podIP!;
      const conn = await openRaw({ host: serverIP, port: hostPort(80) });
      conn.socket.write(GET('/get?n=1'));
      assert.ok(await eventually(() => conn.responses() === 1), 'served under PERMISSIVE');
      conn.socket.write(GET('/get?n=2'));
      assert.ok(await eventually(() => conn.responses() === 2), 'kept alive under PERMISSIVE');

      const flippedAt = Date.now();
      await store.update(peerAuthentication(NS, 'STRICT'));
      await waitFor('STRICT in force', async () => !(await plaintextAccepted(serverIP)));
      const inForceMs = Date.now() - flippedAt;
      conn.socket.write(GET('/get?n=3'));
      const closed = await eventually(() => conn.isClosed(), 2_000);
      console.log(
        `STRICT in force after ${inForceMs} ms; the PERMISSIVE connection: closed ${closed}, ${conn.responses()} responses`,
      );
      assert.ok(closed, 'the open plaintext connection was closed');
      assert.equal(conn.responses(), 2, 'no request was served on it under STRICT');
      const retired = await metricSum(
        serverIP,
        'automesh_connections_retired_total{direction="inbound",reason="mode_change"',
      );
      assert.ok((retired ?? 0) >= 1, `the server sidecar counted it (${retired})`);
    } finally {
      await fault.stop();
    }
  });
});
