// A client that walks away in the middle of the mTLS handshake (as one refusing the server's
// certificate does: Node clients send no alert) is noticed by the server sidecar at once, rather
// than held open until the handshake timeout.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { startMeshPair, type MeshPair } from './mesh-pair.js';
import { eventually } from './harness.js';

describe('mTLS connections closing at the server sidecar', () => {
  let mesh: MeshPair;
  before(async () => {
    mesh = await startMeshPair();
  });
  after(async () => {
    await mesh.close();
  });

  it('notices a client that walks away mid-handshake at once', async () => {
    await mesh.setServerMode('STRICT');
    const before = mesh.serverProxy.connectionCounts().inbound;
    // A full ClientHello, then the client closes its side: the handshake cannot finish.
    await new Promise<void>((resolve) => {
      const socket = tlsConnect({
        host: mesh.server.podIP,
        port: mesh.server.appPort,
        ca: [mesh.ca.rootPem],
        ALPNProtocols: ['istio'],
        checkServerIdentity: () => new Error('refusing the server, as a client with a reason would'),
      });
      socket.on('error', () => resolve());
    });
    const closed = await eventually(() => mesh.serverProxy.connectionCounts().inbound <= before, 1000);
    assert.ok(closed, `inbound connections ${mesh.serverProxy.connectionCounts().inbound}, were ${before}`);
  });
});
