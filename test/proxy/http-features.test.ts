// HTTP/1.1 through a sidecar pair over mTLS (client sidecar → server sidecar STRICT → app): the
// framer's cases on real sockets, split writes included.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { eventually, rawExchange } from './harness.js';
import { SERVICE_HOST, SERVICE_PORT, startMeshPair } from './mesh-pair.js';
import type { MeshPair } from './mesh-pair.js';

const BASE = `http://${SERVICE_HOST}:${SERVICE_PORT}`;
const HOST = `Host: ${SERVICE_HOST}:${SERVICE_PORT}\r\n`;

function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

describe('HTTP/1.1 through a sidecar pair with mTLS', () => {
  let mesh: MeshPair;
  const send = (chunks: Array<string | Buffer>, options?: { endAfterWrite?: boolean; gapMs?: number }) =>
    rawExchange(mesh.client.podIP, mesh.clientProxy.outboundPort, chunks, options);

  before(async () => {
    mesh = await startMeshPair();
    await mesh.setServerMode('STRICT');
  });
  after(async () => {
    await mesh.close();
  });

  it('answers pipelined requests in order on one connection', async () => {
    const r = await send([
      `GET ${BASE}/status/201 HTTP/1.1\r\n${HOST}\r\nPOST ${BASE}/echo HTTP/1.1\r\n${HOST}Content-Length: 5\r\n\r\nhelloGET ${BASE}/status/202 HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
    ]);
    assert.deepEqual(statuses(r.text), [201, 200, 202]);
    assert.match(r.text, /"body":"hello"/);
  });

  it('streams a chunked request body split at odd places, extensions included, trailers dropped', async () => {
    const body = '3;ext=1\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Trailer: t\r\n\r\n';
    const head = `POST ${BASE}/echo HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const all = head + body;
    const r = await send(
      [
        all.slice(0, 10),
        all.slice(10, head.length + 5),
        all.slice(head.length + 5, head.length + 17),
        all.slice(head.length + 17),
      ],
      { gapMs: 5 },
    );
    assert.deepEqual(statuses(r.text), [200]);
    assert.match(r.text, /"body":"abcdefg"/);
    assert.match(r.text, /"rawTrailers":\[\]/);
  });

  it('passes a chunked response with trailers through unchanged', async () => {
    const r = await send([`GET ${BASE}/chunked HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`]);
    assert.match(r.text, /transfer-encoding: chunked/i);
    assert.match(r.text, /part1-[\s\S]*part2[\s\S]*x-done: yes/);
  });

  it('keeps HEAD, 204 and 304 bodiless on a kept-alive connection', async () => {
    const r = await send([
      `HEAD ${BASE}/echo HTTP/1.1\r\n${HOST}\r\nGET ${BASE}/status/204 HTTP/1.1\r\n${HOST}\r\nGET ${BASE}/status/304 HTTP/1.1\r\n${HOST}\r\nGET ${BASE}/status/200 HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
    ]);
    assert.deepEqual(statuses(r.text), [200, 204, 304, 200]);
  });

  it('relays Expect: 100-continue before the body is sent', async () => {
    const socket = connect(mesh.clientProxy.outboundPort, mesh.client.podIP);
    let text = '';
    const done = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('100 Continue') && !text.includes('sent')) {
        text += '(sent)';
        socket.write('12345');
      }
    });
    socket.write(
      `PUT ${BASE}/echo HTTP/1.1\r\n${HOST}Expect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n`,
    );
    const timer = setTimeout(() => socket.destroy(), 5000);
    await done;
    clearTimeout(timer);
    assert.match(text, /^HTTP\/1\.1 100 Continue/);
    assert.match(text, /HTTP\/1\.1 200 OK[\s\S]*"body":"12345"/);
  });

  it('tunnels an Upgrade after 101 as bytes both ways', async () => {
    const r = await send(
      [`GET ${BASE}/ws HTTP/1.1\r\n${HOST}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\nhello`, ' world'],
      { gapMs: 30, endAfterWrite: true },
    );
    assert.match(r.text, /^HTTP\/1\.1 101 /);
    assert.match(r.text, /HELLO WORLD$/);
  });

  it('answers HTTP/1.0 and closes afterwards', async () => {
    const r = await send([`GET ${BASE}/status/200 HTTP/1.0\r\n\r\n`]);
    assert.deepEqual(statuses(r.text).length, 1);
    assert.match(r.text, /^HTTP\/1\.[01] 200/);
  });

  it('answers a smuggling attempt with 400 and closes', async () => {
    const r = await send([
      `POST ${BASE}/echo HTTP/1.1\r\n${HOST}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n${HOST}\r\n`,
    ]);
    assert.deepEqual(statuses(r.text), [400]);
  });

  it('answers a head over the limit with 431', async () => {
    const r = await send([`GET ${BASE}/ HTTP/1.1\r\n${HOST}X-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`]);
    assert.deepEqual(statuses(r.text), [431]);
  });

  it('finishes the response when the client half-closes after its request', async () => {
    const r = await send([`GET ${BASE}/slow?ms=50 HTTP/1.1\r\n${HOST}\r\n`], { endAfterWrite: true });
    assert.deepEqual(statuses(r.text), [200]);
  });
});

describe('upstream timeouts', () => {
  it('closes idle pooled connections after the idle timeout but lets a slow response finish', async () => {
    const mesh = await startMeshPair({
      upstreamIdleTimeoutMs: 200,
      streamIdleTimeoutMs: 5000,
      sniffTimeoutMs: 1000,
    });
    try {
      await mesh.setServerMode('STRICT');
      const r = await rawExchange(mesh.client.podIP, mesh.clientProxy.outboundPort, [
        `GET ${BASE}/slow?ms=700 HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
      ]);
      assert.deepEqual(statuses(r.text), [200]);
      assert.ok(mesh.clientProxy.connectionCounts().upstream >= 1);
      assert.ok(await eventually(() => mesh.clientProxy.connectionCounts().upstream === 0, 3000));
      assert.ok(await eventually(() => mesh.serverProxy.connectionCounts().upstream === 0, 3000));
    } finally {
      await mesh.close();
    }
  });

  it('closes an upstream exchange where nothing moves for the stream idle timeout', async () => {
    const mesh = await startMeshPair({
      upstreamIdleTimeoutMs: 100,
      streamIdleTimeoutMs: 300,
      sniffTimeoutMs: 1000,
    });
    try {
      await mesh.setServerMode('STRICT');
      const started = Date.now();
      const r = await rawExchange(mesh.client.podIP, mesh.clientProxy.outboundPort, [
        `GET ${BASE}/slow?ms=3000 HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`,
      ]);
      assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
      assert.deepEqual(statuses(r.text), [503]);
      assert.match(r.text, /reset reason: connection termination/);
    } finally {
      await mesh.close();
    }
  });
});
