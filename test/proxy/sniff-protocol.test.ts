// sniffProtocol on real loopback sockets: which bytes make a connection HTTP or raw, and what
// happens to the app connection it dials after a silent timeout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { sniffProtocol } from '../../src/proxy/session/sniff-protocol.js';
import type { ProtocolDecision } from '../../src/proxy/session/sniff-protocol.js';

const TIMEOUT_MS = 100;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface App {
  server: Server;
  port: number;
  /** Bytes each accepted connection received, and whether it has closed. */
  conns: Array<{ received: string; closed: boolean }>;
}

const apps: App[] = [];
const appSockets: Socket[] = [];

/** An app that optionally greets on connect and records what it receives. */
async function startApp(greeting?: string): Promise<App> {
  const app: App = { server: createServer(), port: 0, conns: [] };
  apps.push(app);
  app.server.on('connection', (s) => {
    const conn = { received: '', closed: false };
    app.conns.push(conn);
    s.on('data', (d: Buffer) => (conn.received += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => (conn.closed = true));
    if (greeting !== undefined) s.write(greeting);
  });
  app.server.on('connection', (s) => appSockets.push(s));
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  app.port = (app.server.address() as AddressInfo).port;
  return app;
}

describe('sniffProtocol', () => {
  let front: Server;
  let frontPort = 0;
  const accepted: Socket[] = [];
  const open: Socket[] = [];

  before(async () => {
    front = createServer({ allowHalfOpen: true }, (s) => {
      s.on('error', () => undefined);
      accepted.push(s);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    frontPort = (front.address() as AddressInfo).port;
  });
  after(async () => {
    for (const s of [...accepted, ...open, ...appSockets]) s.destroy();
    for (const app of apps) if (app.server.listening) app.server.close();
    await new Promise((resolve) => front.close(resolve));
  });

  /** A client connected to the front server, and the server's end of it. */
  async function pair(): Promise<{ client: Socket; server: Socket }> {
    const count = accepted.length;
    const client = netConnect({ host: '127.0.0.1', port: frontPort });
    client.on('error', () => undefined);
    open.push(client);
    await new Promise((resolve) => client.once('connect', resolve));
    for (let i = 0; i < 100 && accepted.length === count; i++) await sleep(5);
    return { client, server: accepted.at(-1)! };
  }

  /** Runs the sniff on the server end; resolves with its decision (or 'none' if it never came). */
  function sniff(server: Socket, appPort: number, initial: Buffer | null = null, timeoutMs = TIMEOUT_MS) {
    return new Promise<ProtocolDecision | 'none'>((resolve) => {
      const timer = setTimeout(() => resolve('none'), 3000);
      server.once('close', () => {
        clearTimeout(timer);
        resolve('none');
      });
      sniffProtocol(
        server,
        initial,
        { timeoutMs, dialApp: () => netConnect({ host: '127.0.0.1', port: appPort }) },
        (d) => {
          clearTimeout(timer);
          resolve(d);
        },
      );
    });
  }

  it('takes a request line for HTTP at once, without dialling the app', async () => {
    const app = await startApp();
    const { client, server } = await pair();
    client.write('GET / HTTP/1.1\r\n');
    const d = await sniff(server, app.port);
    assert.ok(d !== 'none' && d.kind === 'http');
    assert.equal(d.bytes.toString(), 'GET / HTTP/1.1\r\n');
    assert.equal(app.conns.length, 0);
  });

  it('takes a partial method left past the timeout for HTTP', async () => {
    const app = await startApp();
    const { client, server } = await pair();
    client.write('PO');
    const d = await sniff(server, app.port);
    assert.ok(d !== 'none' && d.kind === 'http');
    assert.equal(d.bytes.toString(), 'PO');
    assert.equal(app.conns.length, 0);
  });

  it('reads on from a socket an earlier sniff left paused, deciding as soon as the bytes do', async () => {
    const app = await startApp();
    const { client, server } = await pair();
    server.pause(); // as the TLS sniff leaves it
    const started = Date.now();
    const decision = sniff(server, app.port, Buffer.from('GE'), 2500);
    await sleep(20);
    client.write('T / HTTP/1.1\r\n');
    const d = await decision;
    assert.ok(d !== 'none' && d.kind === 'http');
    assert.equal(d.bytes.toString(), 'GET / HTTP/1.1\r\n');
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });

  it('pipes bytes that cannot be HTTP at once', async () => {
    const app = await startApp();
    const { client, server } = await pair();
    client.write('\x16\x03\x01');
    const d = await sniff(server, app.port);
    assert.ok(d !== 'none' && d.kind === 'raw');
    d.app.destroy();
  });

  it('after a silence, gives the connection to an app that speaks first, greeting unread', async () => {
    const app = await startApp('220 hi\r\n');
    const { server } = await pair();
    const d = await sniff(server, app.port);
    assert.ok(d !== 'none' && d.kind === 'raw');
    assert.equal(d.bytes.length, 0);
    const greeting = new Promise<string>((resolve) =>
      d.app.once('data', (b: Buffer) => resolve(b.toString())),
    );
    d.app.resume();
    assert.equal(await greeting, '220 hi\r\n');
    d.app.destroy();
  });

  it('after a silence, takes a request for HTTP and closes the app connection it dialled unused', async () => {
    const app = await startApp();
    const { client, server } = await pair();
    const decision = sniff(server, app.port);
    await sleep(TIMEOUT_MS * 3);
    assert.equal(app.conns.length, 1, 'the app is dialled once the client has been silent');
    client.write('GET / HTTP/1.1\r\nx-forwarded-client-cert: forged\r\n\r\n');
    const d = await decision;
    assert.ok(d !== 'none' && d.kind === 'http');
    for (let i = 0; i < 100 && !app.conns[0]!.closed; i++) await sleep(5);
    assert.deepEqual(app.conns, [{ received: '', closed: true }]);
  });

  it('after a silence, takes a partial method left past the timeout again for HTTP', async () => {
    const app = await startApp();
    const { client, server } = await pair();
    const decision = sniff(server, app.port);
    await sleep(TIMEOUT_MS * 3);
    client.write('G');
    const d = await decision;
    assert.ok(d !== 'none' && d.kind === 'http');
    assert.equal(d.bytes.toString(), 'G');
  });

  it('after a silence, pipes a client-first protocol that is not HTTP to the dialled app', async () => {
    const app = await startApp();
    const { client, server } = await pair();
    const decision = sniff(server, app.port);
    await sleep(TIMEOUT_MS * 3);
    client.write('*1\r\n$4\r\nPING\r\n');
    const d = await decision;
    assert.ok(d !== 'none' && d.kind === 'raw');
    assert.equal(d.bytes.toString(), '*1\r\n$4\r\nPING\r\n');
    assert.equal(app.conns.length, 1);
    d.app.destroy();
  });

  it('after a silence, closes the client when the app cannot be reached', async () => {
    const app = await startApp();
    app.server.close();
    const { client, server } = await pair();
    const closed = new Promise((resolve) => client.once('close', resolve));
    assert.equal(await sniff(server, app.port), 'none');
    await closed;
  });

  it('pipes a client that ends without a byte, so the app gets the half-close', async () => {
    const app = await startApp();
    const { client, server } = await pair();
    client.end();
    const d = await sniff(server, app.port);
    assert.ok(d !== 'none' && d.kind === 'raw');
    assert.equal(d.bytes.length, 0);
    d.app.destroy();
  });

  it('does not wait for silence twice after an earlier sniff that timed out (empty initial bytes)', async () => {
    const app = await startApp('220 hi\r\n');
    const { server } = await pair();
    const started = Date.now();
    const d = await sniff(server, app.port, Buffer.alloc(0), 2500);
    assert.ok(d !== 'none' && d.kind === 'raw');
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    d.app.destroy();
  });
});
