// Snapshots applied under load: open connections finish the requests they carry; new connections
// follow the new mode at once. (What a tighter mode does to open connections afterwards:
// mode-tightening.test.ts.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { curl, eventually, httpRequest } from './harness.js';
import { SERVICE_HOST, SERVICE_PORT, startMeshPair } from './mesh-pair.js';
import type { MeshPair } from './mesh-pair.js';

describe('mode changes under a live request stream', () => {
  let mesh: MeshPair;

  before(async () => {
    mesh = await startMeshPair();
  });
  after(async () => {
    await mesh.close();
  });

  it('fails no in-flight request while the server flips between modes, and new connections follow the mode', async () => {
    await mesh.setServerMode('PERMISSIVE');
    await mesh.setClientTls('mesh');
    const direct = { host: mesh.server.podIP, port: mesh.server.appPort };
    let slowSeen = 0;
    mesh.serverApp.server.on('request', (req: IncomingMessage) => {
      if (req.url?.startsWith('/slow?ms=400') === true) slowSeen++;
    });
    // In flight before the switch: plaintext requests on PERMISSIVE connections, slow to answer.
    const slowPlain = Array.from({ length: 4 }, (_, i) =>
      httpRequest({ ...direct, path: `/slow?ms=400&i=${i}` }),
    );
    // "In flight" means forwarded to the app: a plaintext connection still between requests when
    // STRICT comes is closed without being served.
    assert.ok(await eventually(() => slowSeen >= 4));
    // A steady stream of mesh requests through the client sidecar (keep-alive, 4 in parallel).
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    let stop = false;
    const results: number[] = [];
    const stream = Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let n = 0; n < 500 && !(stop && results.length >= 40); n++) {
          const r = await httpRequest({
            host: mesh.client.podIP,
            port: mesh.clientProxy.outboundPort,
            path: `http://${SERVICE_HOST}:${SERVICE_PORT}/slow?ms=5`,
            agent,
          });
          results.push(r.status);
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    await mesh.setServerMode('STRICT');
    // New plaintext connections are reset at once, while the old ones are still answering.
    const fresh = await curl([`http://${direct.host}:${direct.port}/headers`]);
    assert.equal(fresh.stdout, '000');
    assert.equal(fresh.code, 56);
    await new Promise((r) => setTimeout(r, 100));
    await mesh.setServerMode('PERMISSIVE');
    await new Promise((r) => setTimeout(r, 100));
    await mesh.setServerMode('STRICT');
    const plain = await Promise.all(slowPlain);
    stop = true;
    await stream;
    agent.destroy();
    assert.deepEqual(
      plain.map((r) => r.status),
      [200, 200, 200, 200],
      JSON.stringify(plain.map((r) => r.error)),
    );
    assert.ok(results.length > 20, `only ${results.length} requests in the stream`);
    assert.deepEqual([...new Set(results)], [200]);
  });

  it('adds and removes inbound listeners with the snapshot; a removed port lets its open request finish', async () => {
    await mesh.setServerMode('PERMISSIVE');
    const direct = { host: mesh.server.podIP, port: mesh.server.appPort };
    const inFlight = httpRequest({ ...direct, path: '/slow?ms=300' });
    await new Promise((r) => setTimeout(r, 50));
    const snapshot = mesh.serverProxy.snapshot()!;
    const removed = await mesh.serverProxy.applyAndWait({ ...snapshot, version: 'no-ports', inbound: [] });
    assert.ok(removed.ok);
    assert.deepEqual(mesh.serverProxy.inboundPorts(), []);
    const refused = await httpRequest({ ...direct, path: '/' });
    assert.equal(refused.error, 'ECONNREFUSED');
    assert.equal((await inFlight).status, 200);
    await mesh.setServerMode('PERMISSIVE');
    assert.deepEqual(mesh.serverProxy.inboundPorts(), [mesh.server.appPort]);
    assert.equal((await httpRequest({ ...direct, path: '/' })).status, 200);
  });
});
