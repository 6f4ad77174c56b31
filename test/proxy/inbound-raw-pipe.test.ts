// The raw pipe of `tcp` and sniffed (`auto`) ports dials the app where hostPort says the pod port
// really is, as the HTTP path does: a port below 1024 is moved when the runtime is not root.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { startProxy } from '../../src/proxy/index.js';
import type { ProxyHandle } from '../../src/proxy/index.js';
import { createTestCa, FixedCertificateSource, issueLeaf, spiffeId } from '../support/pki.js';
import { snapshotFor } from './harness.js';
import type { PodSpec } from './harness.js';

/** The pod port the snapshot names; the app and the listener are really on a free port. */
const POD_PORT = 81;

describe('raw pipe to an app on a moved port (hostPort)', () => {
  let app: Server;
  let appPort = 0;
  let proxy: ProxyHandle;
  let pod: PodSpec;
  const sockets: Socket[] = [];

  before(async () => {
    app = createServer((s) => {
      sockets.push(s);
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => s.write(`echo: ${d.toString('latin1')}`));
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    appPort = (app.address() as AddressInfo).port;
    const ca = await createTestCa();
    pod = {
      pod: 'db-1',
      namespace: 'full',
      serviceAccount: 'db',
      podIP: '127.0.0.5',
      appPort: POD_PORT,
      cert: await issueLeaf(ca, spiffeId('full', 'db')),
    };
    proxy = await startProxy({
      podIP: pod.podIP,
      appHost: '127.0.0.1',
      outbound: { port: 0 },
      admin: { port: 0 },
      limits: { sniffTimeoutMs: 150 },
      certificates: new FixedCertificateSource(pod.cert),
      hostPort: (p) => (p === POD_PORT ? appPort : p),
    });
  });
  after(async () => {
    await proxy.close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => app.close(resolve));
  });

  for (const protocol of ['tcp', 'auto'] as const) {
    it(`reaches the app through a port of protocol ${protocol}`, async () => {
      const r = await proxy.applyAndWait(snapshotFor(pod, 'PERMISSIVE', [], undefined, protocol));
      assert.ok(r.ok);
      const client = netConnect({ host: pod.podIP, port: appPort });
      sockets.push(client);
      client.on('error', () => undefined);
      client.write('PING\r\n');
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        const timer = setTimeout(() => resolve(text), 2000);
        client.on('data', (d: Buffer) => {
          text += d.toString('latin1');
          if (text.endsWith('\r\n')) {
            clearTimeout(timer);
            resolve(text);
          }
        });
        client.on('close', () => {
          clearTimeout(timer);
          resolve(text);
        });
      });
      client.destroy();
      assert.equal(answer, 'echo: PING\r\n');
    });
  }
});
