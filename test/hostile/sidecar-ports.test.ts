// Hostile clients on a sidecar's inbound and outbound ports: slow heads, handshakes that never
// finish, oversized heads, thousands of idle connections, a connection cap, junk floods. The
// sidecar must close the offenders within its configured limits and keep serving everyone else.
// (Random and truncated bytes alone: test/proxy/malformed.test.ts; smuggling shapes and a 70 KiB
// header: test/proxy/framer.test.ts and http-features.test.ts.)
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, httpRequest, rawExchange } from '../proxy/harness.js';
import { SERVICE_HOST, SERVICE_PORT, startMeshPair } from '../proxy/mesh-pair.js';
import type { MeshPair } from '../proxy/mesh-pair.js';
import type { ProxyLimits } from '../../src/proxy/index.js';
import { captureClientHello, holdOpen, prng, rssMiB, sleep, within } from './support.js';
import type { HeldSocket } from './support.js';

const LIMITS: Partial<ProxyLimits> = {
  sniffTimeoutMs: 300,
  idleTimeoutMs: 3000,
  upstreamIdleTimeoutMs: 1000,
  headTimeoutMs: 1000,
  handshakeTimeoutMs: 1000,
  connectTimeoutMs: 1000,
};

type Port = 'inbound' | 'outbound';

describe('hostile clients on sidecar ports', () => {
  let mesh: MeshPair;
  let hello: Buffer;

  before(async () => {
    mesh = await startMeshPair(LIMITS);
    await mesh.setClientTls('mesh');
    hello = await captureClientHello(['istio', 'http/1.1']);
  });
  after(async () => {
    await mesh.close();
  });

  function address(port: Port): { host: string; port: number; target: string } {
    return port === 'inbound'
      ? { host: mesh.server.podIP, port: mesh.server.appPort, target: '/hostile' }
      : {
          host: mesh.client.podIP,
          port: mesh.clientProxy.outboundPort,
          target: `http://${SERVICE_HOST}:${SERVICE_PORT}/hostile`,
        };
  }

  /** A request from the client app through both sidecars with mTLS. */
  async function meshRequest(): Promise<number> {
    const r = await httpRequest({
      host: mesh.client.podIP,
      port: mesh.clientProxy.outboundPort,
      path: `http://${SERVICE_HOST}:${SERVICE_PORT}/ok`,
    });
    return r.status;
  }

  const allClosed = (): boolean => {
    const c = [mesh.serverProxy.connectionCounts(), mesh.clientProxy.connectionCounts()];
    return c.every((x) => x.inbound === 0 && x.outbound === 0);
  };

  for (const port of ['inbound', 'outbound'] as const) {
    it(`answers a slowloris head on the ${port} port with 408 and closes it at the head timeout`, async () => {
      await mesh.setServerMode('PERMISSIVE');
      const a = address(port);
      const held = await holdOpen(a.host, a.port, `GET ${a.target} HTTP/1.1\r\nHost: x\r\n`);
      // One header line every 200 ms: always under the idle timeout, never a complete head.
      let lines = 0;
      const drip = setInterval(() => {
        if (lines++ < 40 && !held.socket.destroyed) held.socket.write(`X-Drip-${lines}: y\r\n`);
      }, 200);
      const closed = await within(held.closed, 3000);
      clearInterval(drip);
      held.socket.destroy();
      assert.ok(closed !== undefined, 'the slow sender was still connected after 3 s');
      assert.match(closed.text, /^HTTP\/1\.1 408 /);
      assert.ok(closed.afterMs >= 900, `closed after ${closed.afterMs} ms, before the head timeout`);
      assert.equal(await meshRequest(), 200);
    });
  }

  for (const mode of ['STRICT', 'PERMISSIVE'] as const) {
    it(`drops a TLS handshake that never finishes on a ${mode} port at the handshake timeout`, async () => {
      await mesh.setServerMode(mode);
      const held = await holdOpen(mesh.server.podIP, mesh.server.appPort, hello);
      const closed = await within(held.closed, 3000);
      held.socket.destroy();
      assert.ok(closed !== undefined, 'the stalled handshake was still open after 3 s');
      assert.ok(closed.afterMs >= 900, `closed after ${closed.afterMs} ms`);
      assert.ok(await eventually(() => mesh.serverProxy.connectionCounts().inbound === 0, 2000));
      assert.equal(await meshRequest(), 200);
    });
  }

  it('resets a truncated ClientHello left open on a STRICT port at the sniff timeout', async () => {
    await mesh.setServerMode('STRICT');
    const held = await holdOpen(mesh.server.podIP, mesh.server.appPort, hello.subarray(0, 40));
    const closed = await within(held.closed, 2000);
    held.socket.destroy();
    assert.ok(closed !== undefined, 'still open after 2 s');
    assert.equal(closed.error, 'ECONNRESET');
    assert.equal(closed.text, '');
  });

  for (const port of ['inbound', 'outbound'] as const) {
    it(`answers oversized request lines and header blocks on the ${port} port with 431 and closes`, async () => {
      await mesh.setServerMode('PERMISSIVE');
      const a = address(port);
      const shapes = [
        `GET ${a.target}?${'q'.repeat(70 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
        `GET ${a.target} HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}\r\n`).join('')}\r\n`,
        // Never ends its head: refused once past the limit, not buffered forever.
        `GET ${a.target} HTTP/1.1\r\nHost: x\r\nX-Endless: ${'e'.repeat(200 * 1024)}`,
      ];
      for (const shape of shapes) {
        const r = await rawExchange(a.host, a.port, [shape], { timeoutMs: 3000 });
        assert.match(r.text, /^HTTP\/1\.1 431 /, `got ${JSON.stringify(r.text.slice(0, 60))} ${r.error}`);
        assert.notEqual(r.error, 'timeout');
      }
      assert.equal(await meshRequest(), 200);
    });
  }

  it('holds 2,000 idle connections (1,000 per port), keeps serving, closes each at the idle timeout, memory bounded', async (t: TestContext) => {
    await mesh.setServerMode('PERMISSIVE');
    const rssBefore = rssMiB();
    const peak = { inbound: 0, outbound: 0 };
    let rssPeak = rssBefore;
    const sample = setInterval(() => {
      peak.inbound = Math.max(peak.inbound, mesh.serverProxy.connectionCounts().inbound);
      peak.outbound = Math.max(peak.outbound, mesh.clientProxy.connectionCounts().outbound);
      rssPeak = Math.max(rssPeak, rssMiB());
    }, 50);
    const held: HeldSocket[] = [];
    await Promise.all(
      (['inbound', 'outbound'] as const).map(async (port) => {
        const a = address(port);
        for (let batch = 0; batch < 5; batch++) {
          held.push(...(await Promise.all(Array.from({ length: 200 }, () => holdOpen(a.host, a.port)))));
        }
      }),
    );
    const opened = Date.now();
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push(await meshRequest());
    const results = await within(Promise.all(held.map((h) => h.closed)), 8000);
    const closedAfter = Date.now() - opened;
    clearInterval(sample);
    for (const h of held) h.socket.destroy();
    assert.ok(await eventually(allClosed, 2000), JSON.stringify(mesh.serverProxy.connectionCounts()));
    await sleep(200);
    const rssAfter = rssMiB();
    t.diagnostic(
      `idle connections open at once: inbound ${peak.inbound}, outbound ${peak.outbound}; all closed ${closedAfter} ms after the last opened; RSS MiB before ${rssBefore}, peak ${rssPeak}, after ${rssAfter} (test process: clients + both sidecars)`,
    );
    // Opening is slow on a loaded machine, so the first ones may already be gone: most must overlap.
    assert.ok(peak.inbound >= 800 && peak.outbound >= 800, JSON.stringify(peak));
    assert.equal(held.length, 2000);
    assert.deepEqual(new Set(statuses), new Set([200]));
    assert.ok(results !== undefined, 'idle connections still open 8 s later');
    const early = results.filter((r) => r.afterMs < 2800 || r.error !== undefined);
    assert.deepEqual(
      early.slice(0, 3),
      [],
      `${early.length} closed before the idle timeout or with an error`,
    );
    assert.ok(rssPeak - rssBefore < 200, `RSS grew ${rssPeak - rssBefore} MiB for 2,000 idle connections`);
  });

  it('keeps answering a steady request stream while junk floods the inbound port', async () => {
    await mesh.setServerMode('PERMISSIVE');
    const random = prng(1234);
    const junk = (): Buffer => {
      const n = 1 + Math.floor(random() * 2000);
      const bytes = Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
      return random() < 0.3
        ? Buffer.concat([hello.subarray(0, Math.floor(random() * hello.length)), bytes])
        : bytes;
    };
    let flooding = true;
    let sent = 0;
    const flood = Array.from({ length: 6 }, async () => {
      while (flooding && sent < 2000) {
        sent++;
        await rawExchange(mesh.server.podIP, mesh.server.appPort, [junk()], {
          endAfterWrite: true,
          timeoutMs: 2000,
        });
      }
    });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push(await meshRequest());
    flooding = false;
    await Promise.all(flood);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
      `${statuses.length} requests during ${sent} junk connections`,
    );
    assert.ok(sent > 20, `only ${sent} junk connections were sent`);
    assert.ok(await eventually(allClosed, 3000), JSON.stringify(mesh.serverProxy.connectionCounts()));
  });
});

describe('connection cap', () => {
  let mesh: MeshPair;
  before(async () => {
    mesh = await startMeshPair({ ...LIMITS, maxConnections: 100, idleTimeoutMs: 1000 });
    await mesh.setClientTls('mesh');
  });
  after(async () => {
    await mesh.close();
  });

  it('never holds more than maxConnections on a listener, drops the rest at once, and serves again when they go', async () => {
    await mesh.setServerMode('PERMISSIVE');
    const held: HeldSocket[] = [];
    let most = 0;
    for (let batch = 0; batch < 3; batch++) {
      held.push(
        ...(await Promise.all(
          Array.from({ length: 100 }, () => holdOpen(mesh.server.podIP, mesh.server.appPort)),
        )),
      );
      most = Math.max(most, mesh.serverProxy.connectionCounts().inbound);
    }
    await sleep(200);
    most = Math.max(most, mesh.serverProxy.connectionCounts().inbound);
    const droppedEarly = (await Promise.all(held.map((h) => within(h.closed, 1)))).filter(
      (r) => r !== undefined,
    ).length;
    assert.ok(most <= 100, `held ${most}`);
    assert.ok(droppedEarly >= 190, `only ${droppedEarly} of 300 dropped at once`);
    assert.ok(await within(Promise.all(held.map((h) => h.closed)), 4000), 'capped connections not closed');
    for (const h of held) h.socket.destroy();
    assert.ok(await eventually(() => mesh.serverProxy.connectionCounts().inbound === 0, 2000));
    const r = await httpRequest({
      host: mesh.client.podIP,
      port: mesh.clientProxy.outboundPort,
      path: `http://${SERVICE_HOST}:${SERVICE_PORT}/ok`,
    });
    assert.equal(r.status, 200);
  });
});
