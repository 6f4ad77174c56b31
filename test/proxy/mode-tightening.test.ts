// A mode change reaches connections that are already open: once STRICT is applied, a plaintext
// connection accepted under PERMISSIVE is not served again (an HTTP one after the exchange in
// flight, an L4 pipe at once), while mTLS connections go on.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { startProxy } from '../../src/proxy/index.js';
import type { ProxyHandle } from '../../src/proxy/index.js';
import type { ServerMode } from '../../src/api/index.js';
import { FixedCertificateSource, issueLeaf, spiffeId } from '../support/pki.js';
import { eventually, openRaw, retiredConnections, snapshotFor } from './harness.js';
import type { PodSpec } from './harness.js';
import { startMeshPair, TEST_LIMITS } from './mesh-pair.js';
import type { MeshPair } from './mesh-pair.js';

const POSTGRES_STARTUP = '\x00\x00\x00\x08\x04\xd2\x16\x2f';

/** Well below the test's 3 s idle timeout, so that timeout cannot be what closed a connection. */
const CLOSE_WITHIN_MS = 1_500;

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: httpbin\r\n\r\n`;

describe('a tighter mode reaches open HTTP connections', () => {
  let mesh: MeshPair;
  const appSaw: string[] = [];

  before(async () => {
    mesh = await startMeshPair();
    mesh.serverApp.server.on('request', (req: IncomingMessage) => appSaw.push(req.url ?? ''));
  });
  after(async () => {
    await mesh.close();
  });

  const inbound = (): { host: string; port: number } => ({
    host: mesh.server.podIP,
    port: mesh.server.appPort,
  });

  it('closes plaintext keep-alive connections opened under PERMISSIVE once STRICT is applied; the request in flight completes first', async () => {
    await mesh.setServerMode('PERMISSIVE');
    const before = retiredConnections(mesh.serverProxy, 'mode_change');
    const idle = await openRaw(inbound());
    const busy = await openRaw(inbound());
    idle.socket.write(GET('/idle-1'));
    busy.socket.write(GET('/busy-1'));
    assert.ok(await eventually(() => idle.responses() === 1 && busy.responses() === 1));
    busy.socket.write(GET('/slow?ms=500&n=in-flight'));
    assert.ok(await eventually(() => appSaw.includes('/slow?ms=500&n=in-flight')));

    await mesh.setServerMode('STRICT');
    // The next request on either connection must not reach the app.
    idle.socket.write(GET('/idle-after-strict'));
    busy.socket.write(GET('/busy-after-strict'));
    const closedInTime = await eventually(() => idle.isClosed() && busy.isClosed(), CLOSE_WITHIN_MS);
    assert.ok(
      closedInTime,
      `both connections closed (idle: ${idle.isClosed()}, ${idle.responses()} responses; busy: ${busy.isClosed()}, ${busy.responses()} responses)`,
    );
    assert.equal(idle.responses(), 1, idle.received());
    assert.equal(busy.responses(), 2, busy.received());
    assert.match(busy.received(), /HTTP\/1\.1 200 [^]*HTTP\/1\.1 200 [^]*"url":"\/slow\?ms=500&n=in-flight"/);
    assert.ok(!appSaw.includes('/idle-after-strict'), 'the idle connection carried no request after STRICT');
    assert.ok(!appSaw.includes('/busy-after-strict'), 'the busy connection carried no request after STRICT');
    assert.equal(retiredConnections(mesh.serverProxy, 'mode_change') - before, 2);
  });

  it('keeps serving an mTLS connection across the same change', async () => {
    await mesh.setServerMode('PERMISSIVE');
    const mtls = await openRaw({
      ...inbound(),
      tls: { cert: mesh.client.cert, alpn: ['istio', 'http/1.1'] },
    });
    const plain = await openRaw(inbound());
    mtls.socket.write(GET('/mtls-1'));
    plain.socket.write(GET('/plain-1'));
    assert.ok(await eventually(() => mtls.responses() === 1 && plain.responses() === 1));
    await mesh.setServerMode('STRICT');
    assert.ok(await eventually(() => plain.isClosed(), CLOSE_WITHIN_MS), 'the plaintext one is closed');
    for (let i = 2; i <= 4; i++) {
      mtls.socket.write(GET(`/mtls-${i}`));
      assert.ok(await eventually(() => mtls.responses() === i), `response ${i} on the mTLS connection`);
    }
    assert.ok(!mtls.isClosed());
    assert.ok(appSaw.includes('/mtls-4'));
    assert.match(mtls.received(), /x-forwarded-client-cert/i);
    mtls.socket.destroy();
    await mtls.closed;
  });

  it('leaves open plaintext connections alone when the mode loosens', async () => {
    await mesh.setServerMode('PERMISSIVE');
    const plain = await openRaw(inbound());
    plain.socket.write(GET('/loosen-1'));
    assert.ok(await eventually(() => plain.responses() === 1));
    await mesh.setServerMode('DISABLE');
    plain.socket.write(GET('/loosen-2'));
    assert.ok(await eventually(() => plain.responses() === 2));
    assert.ok(!plain.isClosed());
    plain.socket.destroy();
    await plain.closed;
  });
});

describe('a tighter mode reaches open L4 pipes', () => {
  let mesh: MeshPair;
  let echo: Server;
  const appConnections = new Set<Socket>();
  let proxy: ProxyHandle;
  let pod: PodSpec;

  before(async () => {
    mesh = await startMeshPair();
    // A raw TCP app (echo) that keeps its connections: what an L4 pipe carries.
    echo = createServer((s) => {
      appConnections.add(s);
      s.on('close', () => appConnections.delete(s));
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    pod = {
      pod: 'echo-1',
      namespace: 'full',
      serviceAccount: 'echo',
      podIP: '127.0.0.4',
      appPort: (echo.address() as AddressInfo).port,
      cert: await issueLeaf(mesh.ca, spiffeId('full', 'echo')),
    };
    proxy = await startProxy({
      podIP: pod.podIP,
      appHost: '127.0.0.1',
      outbound: { port: 0 },
      admin: { port: 0 },
      limits: TEST_LIMITS,
      certificates: new FixedCertificateSource(pod.cert),
      snapshot: snapshotFor(pod, 'PERMISSIVE', [], undefined, 'tcp'),
    });
  });
  after(async () => {
    await proxy.close();
    for (const s of appConnections) s.destroy();
    await new Promise<void>((r) => echo.close(() => r()));
    await mesh.close();
  });

  const setMode = async (mode: ServerMode, protocol: 'tcp' | 'auto'): Promise<void> => {
    const r = await proxy.applyAndWait(snapshotFor(pod, mode, [], undefined, protocol));
    assert.ok(r.ok, r.ok ? '' : r.error);
  };

  for (const protocol of ['tcp', 'auto'] as const) {
    it(`closes a plaintext pipe on a ${protocol} port at once when STRICT is applied`, async () => {
      await setMode('PERMISSIVE', protocol);
      const pipe = await openRaw({ host: pod.podIP, port: pod.appPort });
      // A Postgres startup packet: on an auto port the sniff sends it down the L4 pipe.
      pipe.socket.write(Buffer.from(POSTGRES_STARTUP, 'latin1'));
      assert.ok(await eventually(() => pipe.received() === POSTGRES_STARTUP), 'the pipe carries bytes');
      assert.ok(await eventually(() => appConnections.size === 1));
      await setMode('STRICT', protocol);
      assert.ok(await eventually(() => pipe.isClosed(), CLOSE_WITHIN_MS), 'the pipe was closed');
      assert.ok(await eventually(() => appConnections.size === 0), 'and its connection to the app');
      assert.equal(pipe.received(), POSTGRES_STARTUP);
    });
  }

  it('keeps an mTLS pipe across the same change', async () => {
    await setMode('PERMISSIVE', 'tcp');
    const pipe = await openRaw({
      host: pod.podIP,
      port: pod.appPort,
      tls: { cert: mesh.client.cert, alpn: ['istio'] },
    });
    pipe.socket.write('PING 1\r\n');
    assert.ok(await eventually(() => pipe.received().includes('PING 1')));
    await setMode('STRICT', 'tcp');
    pipe.socket.write('PING 2\r\n');
    assert.ok(
      await eventually(() => pipe.received().includes('PING 2')),
      'the mTLS pipe still carries bytes',
    );
    assert.ok(!pipe.isClosed());
    pipe.socket.destroy();
    await pipe.closed;
  });
});
