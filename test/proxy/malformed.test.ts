// Random and truncated bytes on inbound and outbound ports never crash the sidecar or leak a
// connection; the ClientHello sniffer reads ALPN from real hellos and survives any truncation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sniffClientHello } from '../../src/proxy/tls/client-hello.js';
import { eventually, httpRequest, rawExchange } from './harness.js';
import { SERVICE_HOST, SERVICE_PORT, startMeshPair } from './mesh-pair.js';
import type { MeshPair } from './mesh-pair.js';
import { captureClientHello, prng } from '../hostile/support.js';

describe('ClientHello sniffing', () => {
  it('reads the offered ALPN protocols from a real ClientHello', async () => {
    const hello = await captureClientHello(['istio', 'http/1.1']);
    assert.deepEqual(sniffClientHello(hello), { kind: 'tls', alpn: ['istio', 'http/1.1'] });
    assert.deepEqual(sniffClientHello(await captureClientHello(undefined)), { kind: 'tls', alpn: [] });
  });

  it('asks for more bytes on every truncation and never throws on corrupted hellos', async () => {
    const hello = await captureClientHello(['istio']);
    for (let n = 0; n < hello.length; n++) {
      assert.deepEqual(sniffClientHello(hello.subarray(0, n)), { kind: 'need-more' }, `cut at ${n}`);
    }
    const random = prng(7);
    for (let i = 0; i < 2000; i++) {
      const copy = Buffer.from(hello);
      for (let k = 0; k < 4; k++)
        copy[5 + Math.floor(random() * (copy.length - 5))] = Math.floor(random() * 256);
      const r = sniffClientHello(copy);
      assert.ok(r.kind === 'tls' || r.kind === 'need-more' || r.kind === 'not-tls');
    }
    assert.deepEqual(sniffClientHello(Buffer.from('GET / HTTP/1.1\r\n')), { kind: 'not-tls' });
  });
});

describe('malformed bytes on sidecar ports', () => {
  let mesh: MeshPair;
  let inputs: Buffer[];

  before(async () => {
    mesh = await startMeshPair({ sniffTimeoutMs: 300, idleTimeoutMs: 1500, connectTimeoutMs: 1000 });
    await mesh.setClientTls('mesh');
    const hello = await captureClientHello(['istio']);
    const random = prng(42);
    const bytes = (n: number): Buffer =>
      Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    const request = Buffer.from(
      `POST http://${SERVICE_HOST}:${SERVICE_PORT}/echo HTTP/1.1\r\nHost: ${SERVICE_HOST}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
    const connect = Buffer.from(`CONNECT ${SERVICE_HOST}:${SERVICE_PORT} HTTP/1.1\r\nHost: x\r\n\r\n`);
    inputs = [
      ...Array.from({ length: 16 }, (_, i) => bytes(1 + Math.floor(random() * (i < 8 ? 64 : 3000)))),
      ...[1, 5, 40, hello.length - 1].map((n) => hello.subarray(0, n)),
      ...[3, 20, 60, request.length - 8].map((n) => request.subarray(0, n)),
      Buffer.concat([hello.subarray(0, 10), bytes(200)]),
      Buffer.concat([request.subarray(0, 30), bytes(100)]),
      connect,
      Buffer.concat([connect, bytes(100)]),
    ];
  });
  after(async () => {
    await mesh.close();
  });

  async function hammer(host: string, port: number): Promise<void> {
    const queue = inputs.flatMap((input) => [
      () => rawExchange(host, port, [input], { endAfterWrite: true, timeoutMs: 4000 }),
      // Write and vanish: the sidecar must notice and let go.
      () =>
        new Promise<void>((resolve) => {
          void rawExchange(host, port, [input], { timeoutMs: 30 }).then(() => resolve());
        }),
    ]);
    const workers = Array.from({ length: 8 }, async () => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) await job();
    });
    await Promise.all(workers);
  }

  for (const mode of ['STRICT', 'PERMISSIVE', 'DISABLE'] as const) {
    it(`survives junk on a ${mode} inbound port and closes every connection`, async () => {
      await mesh.setServerMode(mode);
      await hammer(mesh.server.podIP, mesh.server.appPort);
      assert.ok(
        await eventually(() => mesh.serverProxy.connectionCounts().inbound === 0, 4000),
        JSON.stringify(mesh.serverProxy.connectionCounts()),
      );
      await mesh.setServerMode('PERMISSIVE');
      assert.equal(
        (await httpRequest({ host: mesh.server.podIP, port: mesh.server.appPort, path: '/ok' })).status,
        200,
      );
    });
  }

  it('survives junk on the outbound port and closes every connection', async () => {
    await mesh.setServerMode('PERMISSIVE');
    await hammer(mesh.client.podIP, mesh.clientProxy.outboundPort);
    assert.ok(
      await eventually(() => mesh.clientProxy.connectionCounts().outbound === 0, 4000),
      JSON.stringify(mesh.clientProxy.connectionCounts()),
    );
    const r = await httpRequest({
      host: mesh.client.podIP,
      port: mesh.clientProxy.outboundPort,
      path: `http://${SERVICE_HOST}:${SERVICE_PORT}/ok`,
    });
    assert.equal(r.status, 200);
    assert.ok(await eventually(() => mesh.serverProxy.connectionCounts().inbound <= 1, 4000));
  });
});
