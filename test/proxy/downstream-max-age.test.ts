// Inbound HTTP connections have a maximum age, like pooled upstream ones: past it, a kept-alive
// connection is closed, after the exchange in flight at that moment completes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { eventually, openRaw, retiredConnections } from './harness.js';
import { startMeshPair, TEST_LIMITS } from './mesh-pair.js';
import type { MeshPair } from './mesh-pair.js';

/** Well below the test's 3 s idle timeout, so only the age can close an idle connection in time. */
const MAX_AGE_MS = 1_000;

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: httpbin\r\n\r\n`;

describe('maximum age of downstream connections', () => {
  let mesh: MeshPair;
  const appSaw: string[] = [];

  before(async () => {
    mesh = await startMeshPair({ ...TEST_LIMITS, downstreamMaxConnectionAgeMs: MAX_AGE_MS });
    mesh.serverApp.server.on('request', (req: IncomingMessage) => appSaw.push(req.url ?? ''));
  });
  after(async () => {
    await mesh.close();
  });

  const inbound = (): { host: string; port: number } => ({
    host: mesh.server.podIP,
    port: mesh.server.appPort,
  });

  it('closes a kept-alive connection once it is older than the maximum age', async () => {
    const before = retiredConnections(mesh.serverProxy, 'max_age');
    const opened = Date.now();
    const conn = await openRaw(inbound());
    conn.socket.write(GET('/age-1'));
    assert.ok(await eventually(() => conn.responses() === 1));
    assert.ok(await eventually(() => conn.isClosed(), MAX_AGE_MS + 1_000), 'closed by its age');
    const lived = Date.now() - opened;
    assert.ok(lived >= MAX_AGE_MS - 50, `lived ${lived} ms`);
    assert.equal(conn.responses(), 1);
    assert.equal(retiredConnections(mesh.serverProxy, 'max_age') - before, 1);
  });

  it('lets the request in flight at that age complete first, and serves none after it', async () => {
    const conn = await openRaw(inbound());
    conn.socket.write(GET('/age-2'));
    assert.ok(await eventually(() => conn.responses() === 1));
    await new Promise((r) => setTimeout(r, MAX_AGE_MS / 2));
    // In flight from half the age to well past it.
    conn.socket.write(GET(`/slow?ms=${MAX_AGE_MS}&n=across-age`));
    assert.ok(await eventually(() => appSaw.includes(`/slow?ms=${MAX_AGE_MS}&n=across-age`)));
    conn.socket.write(GET('/after-age'));
    assert.ok(await eventually(() => conn.isClosed(), 2 * MAX_AGE_MS + 1_000), 'closed after the exchange');
    assert.equal(conn.responses(), 2, conn.received());
    assert.ok(conn.received().includes('"url":"/slow?ms=1000&n=across-age"'), 'the whole response arrived');
    assert.ok(!appSaw.includes('/after-age'), 'nothing was served after the exchange that crossed the age');
  });
});
