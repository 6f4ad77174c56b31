// HttpSession.closeAfterExchange, the one way the listener closes an HTTP connection it no longer
// admits (a tighter mode, its maximum age): an idle connection closes at once, an exchange in
// flight completes first, nothing after it is served, and a tunnel closes at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { writeRequestHead } from '../../src/proxy/http/head-writer.js';
import { HttpSession } from '../../src/proxy/session/http-session.js';
import type { SessionHooks } from '../../src/proxy/session/route.js';
import { plainDialer } from '../../src/proxy/upstream/dialers.js';
import { UpstreamPool } from '../../src/proxy/upstream/upstream-pool.js';
import { eventually, openRaw, startEchoApp } from './harness.js';
import type { EchoApp } from './harness.js';

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: app\r\n\r\n`;

describe('HttpSession.closeAfterExchange', () => {
  let app: EchoApp;
  let front: Server;
  let pool: UpstreamPool;
  const sessions: HttpSession[] = [];
  const appSaw: string[] = [];

  before(async () => {
    app = await startEchoApp();
    app.server.on('request', (req: { url?: string }) => appSaw.push(req.url ?? ''));
    pool = new UpstreamPool({
      maxIdlePerKey: 8,
      idleTimeoutMs: 4_000,
      maxRequestsPerConnection: 1_000,
      maxConnectionAgeMs: 60_000,
      connectTimeoutMs: 2_000,
      streamIdleTimeoutMs: 10_000,
    });
    const dialer = plainDialer('127.0.0.1', app.port, 'app');
    const hooks: SessionHooks = {
      route: (head) => ({
        kind: 'forward',
        head: writeRequestHead(head, { target: head.target, append: [] }),
        endpoints: { next: () => dialer },
        attempts: 1,
        tunnel: false,
      }),
      recordRequest: () => undefined,
      recordConnectFailure: () => undefined,
    };
    const config = {
      maxHeadBytes: 64 * 1024,
      maxPendingBytes: 64 * 1024,
      idleTimeoutMs: 5_000,
      headTimeoutMs: 5_000,
      replayLimitBytes: 64 * 1024,
    };
    front = createServer({ allowHalfOpen: true }, (socket) => {
      const session = new HttpSession(socket, hooks, pool, config);
      sessions.push(session);
      session.start(null);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    pool.closeAll();
    await new Promise<void>((r) => front.close(() => r()));
    await app.close();
  });

  const frontPort = (): number => (front.address() as AddressInfo).port;

  it('closes an idle kept-alive connection at once', async () => {
    const client = await openRaw({ host: '127.0.0.1', port: frontPort() });
    client.socket.write(GET('/idle-1'));
    assert.ok(await eventually(() => client.responses() === 1));
    const started = Date.now();
    sessions.at(-1)!.closeAfterExchange();
    await client.closed;
    assert.ok(Date.now() - started < 1_000, `closed after ${Date.now() - started} ms`);
    assert.equal(client.responses(), 1);
  });

  it('lets the exchange in flight complete, then closes without serving the pipelined request', async () => {
    const client = await openRaw({ host: '127.0.0.1', port: frontPort() });
    client.socket.write(GET('/slow?ms=300&n=in-flight'));
    assert.ok(await eventually(() => appSaw.includes('/slow?ms=300&n=in-flight')));
    sessions.at(-1)!.closeAfterExchange();
    client.socket.write(GET('/after'));
    await client.closed;
    const text = client.received();
    assert.equal(client.responses(), 1, text);
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.ok(text.includes('"url":"/slow?ms=300&n=in-flight"'), 'the whole response body arrived');
    assert.ok(!appSaw.includes('/after'), 'the request after the last exchange never reached the app');
  });

  it('without it, the same pipelined request is served (control)', async () => {
    const client = await openRaw({ host: '127.0.0.1', port: frontPort() });
    client.socket.write(GET('/slow?ms=50&n=control') + GET('/after-control'));
    assert.ok(await eventually(() => client.responses() === 2));
    assert.ok(appSaw.includes('/after-control'));
    client.socket.destroy();
    await client.closed;
  });

  it('closes an upgraded tunnel at once', async () => {
    const client = await openRaw({ host: '127.0.0.1', port: frontPort() });
    client.socket.write('GET /ws HTTP/1.1\r\nHost: app\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n');
    assert.ok(await eventually(() => client.received().includes('101 Switching Protocols')));
    client.socket.write('ping');
    assert.ok(await eventually(() => client.received().includes('PING')));
    const started = Date.now();
    sessions.at(-1)!.closeAfterExchange();
    await client.closed;
    assert.ok(Date.now() - started < 1_000, `closed after ${Date.now() - started} ms`);
  });
});
