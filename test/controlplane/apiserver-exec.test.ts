import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { TOKEN, namespace, startHarness, type Harness } from './apiserver-support.js';

/** Sends a WebSocket upgrade request and gives what the server answered first. */
function upgrade(h: Harness, path: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: h.server.port, ca: h.caPem }, () => {
      const lines = Object.entries({
        host: 'localhost',
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      }).map(([k, v]) => `${k}: ${v}`);
      socket.write(`GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
  });
}

describe('exec upgrades on the API server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      podExec: { environment: () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin' }) },
    });
    await h.client.create(namespace('x'));
    await h.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'x' },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
  });
  after(() => h.close());

  const path = '/api/v1/namespaces/x/pods/p/exec?command=true&stdout=true';
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('switches protocols to v5.channel.k8s.io with the RFC 6455 accept key', async () => {
    const answer = await upgrade(h, path, {
      ...auth,
      'sec-websocket-protocol': 'v5.channel.k8s.io,v4.channel.k8s.io',
    });
    assert.match(answer, /^HTTP\/1\.1 101 /);
    assert.match(answer, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
    assert.match(answer, /Sec-WebSocket-Protocol: v5\.channel\.k8s\.io/);
  });

  it('refuses without the credential, without a remote-command protocol, or for an unknown pod', async () => {
    assert.match(
      await upgrade(h, path, { 'sec-websocket-protocol': 'v5.channel.k8s.io' }),
      /^HTTP\/1\.1 401 /,
    );
    assert.match(
      await upgrade(h, path, { ...auth, 'sec-websocket-protocol': 'chat' }),
      /^HTTP\/1\.1 400 [\s\S]*v5\.channel\.k8s\.io/,
    );
    const gone = await upgrade(h, path.replace('/p/', '/q/'), {
      ...auth,
      'sec-websocket-protocol': 'v5.channel.k8s.io',
    });
    assert.match(gone, /^HTTP\/1\.1 404 [\s\S]*pods \\?"q\\?" not found/);
  });
});
