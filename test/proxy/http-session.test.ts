// One HttpSession on real loopback sockets, between a raw client and a small app: backpressure
// across pipelined requests, which requests may be resent when a pooled connection dies, and
// closing a connection once its exchange is done.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { writeRequestHead } from '../../src/proxy/http/head-writer.js';
import { HttpSession } from '../../src/proxy/session/http-session.js';
import type { HttpSessionConfig } from '../../src/proxy/session/http-session.js';
import type { SessionHooks } from '../../src/proxy/session/route.js';
import { plainDialer } from '../../src/proxy/upstream/dialers.js';
import { UpstreamPool } from '../../src/proxy/upstream/upstream-pool.js';
import { eventually } from './harness.js';

const RESET = 'upstream connect error or disconnect/reset before headers. reset reason: ';

const CONFIG: HttpSessionConfig = {
  maxHeadBytes: 16 * 1024,
  maxPendingBytes: 64 * 1024,
  idleTimeoutMs: 10_000,
  headTimeoutMs: 5_000,
  replayLimitBytes: 64 * 1024,
};

interface Listening {
  server: Server;
  port: number;
  sockets: Set<Socket>;
  close(): Promise<void>;
}

async function listen(onConnection: (socket: Socket) => void): Promise<Listening> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    sockets,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** An app that reads request heads (no bodies) off each connection and lets `answer` reply. */
async function rawApp(
  answer: (socket: Socket, head: string, connection: number, index: number) => void,
): Promise<Listening & { heads: string[] }> {
  const heads: string[] = [];
  let connections = 0;
  const app = await listen((socket) => {
    const connection = connections++;
    let index = 0;
    let buffered = '';
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end + 4);
        buffered = buffered.slice(end + 4);
        const length = /content-length: (\d+)/i.exec(head);
        if (length !== null) buffered = buffered.slice(Number(length[1]));
        heads.push(head);
        answer(socket, head, connection, index++);
      }
    });
  });
  return Object.assign(app, { heads });
}

/** Sessions in front of one app port, each downstream socket kept for the test to look at. */
async function sessionsTo(
  appPort: number,
): Promise<Listening & { pool: UpstreamPool; sessions: HttpSession[] }> {
  const pool = new UpstreamPool({
    maxIdlePerKey: 8,
    idleTimeoutMs: 10_000,
    maxRequestsPerConnection: 10_000,
    maxConnectionAgeMs: 60_000,
    connectTimeoutMs: 2_000,
    streamIdleTimeoutMs: 10_000,
  });
  const dialer = plainDialer('127.0.0.1', appPort, 'app');
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
  const sessions: HttpSession[] = [];
  const front = await listen((socket) => {
    const session = new HttpSession(socket, hooks, pool, CONFIG);
    sessions.push(session);
    session.start(null);
  });
  return {
    ...front,
    pool,
    sessions,
    close: async () => {
      pool.closeAll();
      await front.close();
    },
  };
}

/** Sends raw bytes and collects the answer until `done` says it is complete or the peer closes. */
function exchange(
  port: number,
  bytes: string,
  done: (text: string) => boolean = () => false,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    let text = '';
    const finish = (closed: boolean): void => {
      socket.destroy();
      resolve({ text, closed });
    };
    socket.setTimeout(5_000, () => finish(false));
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (done(text)) finish(false);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: app\r\n\r\n`;
const ok = (body: string): string => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const count = (text: string, what: string): number => text.split(what).length - 1;

describe('HTTP session: backpressure across pipelined requests', () => {
  const REQUESTS = 400;
  // Under 64 KiB, so a whole response often arrives in one read and ends its exchange at once.
  const BODY = 'a'.repeat(60 * 1024);
  let app: Listening & { heads: string[] };
  let front: Awaited<ReturnType<typeof sessionsTo>>;

  before(async () => {
    app = await rawApp((socket) => socket.write(ok(BODY)));
    front = await sessionsTo(app.port);
  });
  after(async () => {
    await front.close();
    await app.close();
  });
  const clients: Socket[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    assert.ok(await eventually(() => front.sockets.size === 0));
    app.heads.length = 0;
  });

  /** Writes every request at once and never reads; resolves once the app has stopped seeing more. */
  async function pipelineWithoutReading(): Promise<{ client: Socket; downstream: Socket }> {
    const client = netConnect({ host: '127.0.0.1', port: front.port });
    clients.push(client);
    client.on('error', () => undefined);
    client.pause();
    await new Promise<void>((resolve) => client.once('connect', resolve));
    client.write(Array.from({ length: REQUESTS }, (_, i) => get(`/r${i}`)).join(''));
    assert.ok(await eventually(() => front.sockets.size === 1 && app.heads.length > 0));
    // Settled: no new request reached the app for 300 ms (or all of them did).
    let seen = -1;
    for (let i = 0; i < 40 && seen !== app.heads.length && app.heads.length < REQUESTS; i++) {
      seen = app.heads.length;
      await new Promise((r) => setTimeout(r, 300));
    }
    const [downstream] = front.sockets;
    return { client, downstream: downstream! };
  }

  it('stops taking requests while the client reads no responses, then serves every one in order', async () => {
    const { client, downstream } = await pipelineWithoutReading();
    const reached = app.heads.length;
    const held = downstream.writableLength;
    // What the kernel's socket buffers hold aside, the sidecar keeps about one response back.
    assert.ok(
      reached < REQUESTS / 2,
      `${reached} of ${REQUESTS} requests reached the app, ${held} bytes held`,
    );
    assert.ok(held <= 4 * BODY.length, `${held} bytes held for the client`);

    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    client.resume();
    const all = await eventually(() => count(text, 'HTTP/1.1 200 OK') === REQUESTS, 15_000);
    client.destroy();
    assert.ok(all, `${count(text, 'HTTP/1.1 200 OK')} of ${REQUESTS} responses`);
    assert.equal(app.heads.length, REQUESTS);
    assert.deepEqual(
      app.heads.map((h) => h.slice(0, h.indexOf(' HTTP/1.1'))),
      Array.from({ length: REQUESTS }, (_, i) => `GET /r${i}`),
    );
    assert.equal(text.length, REQUESTS * ok(BODY).length);
  });

  it('lets go of everything when a client that never read goes away', async () => {
    const { client } = await pipelineWithoutReading();
    const reached = app.heads.length;
    client.destroy();
    assert.ok(await eventually(() => front.sockets.size === 0), 'the downstream socket stayed open');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(
      app.heads.length <= reached + 1,
      `${app.heads.length - reached} more requests after the client left`,
    );
    assert.ok(front.pool.size <= 1);
  });
});

describe('HTTP session: resending when a pooled connection dies', () => {
  // The first request of each connection is answered; a later one is read and the connection then
  // dropped without a byte of answer, as an app whose keep-alive ran out (or an attacker) does.
  let app: Listening & { heads: string[] };
  let front: Awaited<ReturnType<typeof sessionsTo>>;

  before(async () => {
    app = await rawApp((socket, _head, _connection, index) => {
      if (index === 0) socket.write(ok('first'));
      else socket.destroy();
    });
    front = await sessionsTo(app.port);
  });
  after(async () => {
    await front.close();
    await app.close();
  });
  afterEach(() => {
    app.heads.length = 0;
  });

  const afterWarmup = (second: string): Promise<{ text: string; closed: boolean }> =>
    exchange(front.port, get('/warm') + second, (t) => count(t, 'HTTP/1.1 ') === 2);

  it('sends a POST the app read only once, and answers 503 connection termination', async () => {
    const body = 'pay=1';
    const post = `POST /pay HTTP/1.1\r\nHost: app\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const { text } = await afterWarmup(post);
    assert.equal(app.heads.filter((h) => h.startsWith('POST /pay ')).length, 1);
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nfirstHTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.ok(text.endsWith(`\r\n\r\n${RESET}connection termination`), text);
  });

  it('resends an idempotent GET on a fresh connection, and the client sees it succeed', async () => {
    const { text } = await afterWarmup(get('/again'));
    assert.equal(app.heads.filter((h) => h.startsWith('GET /again ')).length, 2);
    assert.equal(count(text, 'HTTP/1.1 200 OK'), 2, text);
  });

  it('resends an idempotent PUT whose body was all sent', async () => {
    const put = `PUT /item HTTP/1.1\r\nHost: app\r\nContent-Length: 2\r\n\r\nv1`;
    const { text } = await afterWarmup(put);
    assert.equal(app.heads.filter((h) => h.startsWith('PUT /item ')).length, 2);
    assert.equal(count(text, 'HTTP/1.1 200 OK'), 2, text);
  });
});

describe('HTTP session: closeAfterExchange', () => {
  let app: Listening & { heads: string[] };
  let front: Awaited<ReturnType<typeof sessionsTo>>;
  let answerNow: (() => void) | null = null;

  before(async () => {
    app = await rawApp((socket, head) => {
      if (head.startsWith('GET /held ')) answerNow = () => socket.write(ok('held'));
      else if (/^upgrade: websocket\r$/im.test(head)) {
        socket.removeAllListeners('data');
        socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n');
        socket.on('data', (d: Buffer) => socket.write(d));
      } else socket.write(ok('now'));
    });
    front = await sessionsTo(app.port);
  });
  after(async () => {
    await front.close();
    await app.close();
  });

  it('closes an idle keep-alive connection at once', async () => {
    const sessionsBefore = front.sessions.length;
    const client = exchange(front.port, get('/one'), () => false);
    assert.ok(await eventually(() => front.sessions.length > sessionsBefore && app.heads.length > 0));
    await new Promise((r) => setTimeout(r, 50));
    front.sessions.at(-1)!.closeAfterExchange();
    const { text, closed } = await client;
    assert.ok(closed, 'the connection stayed open');
    assert.equal(count(text, 'HTTP/1.1 200 OK'), 1);
  });

  it('lets the exchange in flight finish, writes its response, then closes before the next request', async () => {
    answerNow = null;
    const heads = app.heads.length;
    const client = exchange(front.port, get('/held') + get('/after'));
    assert.ok(await eventually(() => answerNow !== null));
    front.sessions.at(-1)!.closeAfterExchange();
    answerNow!();
    const { text, closed } = await client;
    assert.ok(closed, 'the connection stayed open');
    assert.ok(text.startsWith(ok('held')), text);
    assert.equal(count(text, 'HTTP/1.1 '), 1, 'the pipelined request after it was served');
    assert.equal(app.heads.length - heads, 1);
  });

  it('closes an upgraded connection at once: its exchange ended with the 101', async () => {
    const upgrade = 'GET /ws HTTP/1.1\r\nHost: app\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n';
    const tunnel = await new Promise<{ text: string; timedOut: boolean }>((resolve) => {
      const socket = netConnect({ host: '127.0.0.1', port: front.port });
      let text = '';
      let timedOut = false;
      socket.setTimeout(5_000, () => {
        timedOut = true;
        socket.destroy();
      });
      socket.on('connect', () => socket.write(upgrade + 'ping'));
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        // The 101 and the echo went through the tunnel: now ask the session to close.
        if (text.endsWith('ping')) front.sessions.at(-1)!.closeAfterExchange();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ text, timedOut }));
    });
    assert.equal(tunnel.timedOut, false, 'the tunnel stayed open');
    assert.match(tunnel.text, /^HTTP\/1\.1 101 [^]*\r\n\r\nping$/);
  });
});
