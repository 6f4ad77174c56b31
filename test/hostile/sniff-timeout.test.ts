// Time as a way past the HTTP sniff of `auto` ports. What the sniff calls not HTTP is piped to the
// app unchecked, so a client that starts a request and then stalls past the sniff timeout, or says
// nothing until the timeout has passed, must still get only the sidecar's XFCC to the app: from a
// plaintext client (PERMISSIVE), an mTLS client (STRICT), and an app through its own sidecar
// (CONNECT, STRICT). Server-first protocols on `auto` ports keep working.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { connect as netConnect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { startProxy } from '../../src/proxy/index.js';
import type { ProxyHandle } from '../../src/proxy/index.js';
import { FixedCertificateSource, issueLeaf, spiffeId } from '../support/pki.js';
import { snapshotFor } from '../proxy/harness.js';
import type { PodSpec } from '../proxy/harness.js';
import { SERVICE_HOST, SERVICE_PORT, startMeshPair } from '../proxy/mesh-pair.js';
import type { MeshPair } from '../proxy/mesh-pair.js';
import { parseEchoResponses, sleep } from './support.js';
import type { EchoResponse } from './support.js';

const SNIFF_MS = 150;
/** Past the TLS sniff and the HTTP sniff together (a PERMISSIVE port runs one after the other). */
const PAST_SNIFF_MS = 2 * SNIFF_MS + 250;
const FORGED = 'By=spiffe://cluster.local/ns/evil/sa/evil;URI=spiffe://cluster.local/ns/evil/sa/admin';
const REQUEST = `GET /headers HTTP/1.1\r\nHost: httpbin\r\nx-forwarded-client-cert: ${FORGED}\r\nConnection: close\r\n\r\n`;

/** Bytes to write, or milliseconds to wait. */
type Step = string | number;

const shapes: Array<[string, Step[]]> = [
  [
    'one byte, a pause past the sniff timeout, then the rest',
    [REQUEST.slice(0, 1), PAST_SNIFF_MS, REQUEST.slice(1)],
  ],
  ['the method, a pause, then the rest', [REQUEST.slice(0, 3), PAST_SNIFF_MS, REQUEST.slice(3)]],
  // Well within the timeout: a PERMISSIVE port read nothing more until the timeout, then piped.
  ['the method, then the rest 20 ms later', [REQUEST.slice(0, 3), 20, REQUEST.slice(3)]],
  [
    'a dashed method cut in its middle, a pause, then the rest',
    ['M-SEA', PAST_SNIFF_MS, `RCH${REQUEST.slice(3)}`],
  ],
  ['silence past the sniff timeout, then the whole request', [PAST_SNIFF_MS, REQUEST]],
  ['silence, then one byte, a pause, then the rest', [PAST_SNIFF_MS, 'G', PAST_SNIFF_MS, REQUEST.slice(1)]],
];

/** Plays `steps` on a connected socket and reads until the peer closes (bounded). */
async function play(socket: Socket, steps: Step[]): Promise<{ responses: EchoResponse[]; text: string }> {
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.on('error', () => undefined); // 'close' follows
  socket.setTimeout(5000, () => socket.destroy());
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  for (const step of steps) {
    if (typeof step === 'number') await sleep(step);
    else socket.write(step);
  }
  await closed;
  const text = Buffer.concat(chunks).toString('latin1');
  return { responses: parseEchoResponses(text), text };
}

function connected(socket: Socket, event: 'connect' | 'secureConnect'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    socket.once(event, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with everything read once `until` matches it (bounded). */
function readUntil(socket: Socket, until: RegExp, ms = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.removeListener('data', onData);
      reject(new Error(`not seen in ${ms} ms: ${until}; got ${JSON.stringify(text)}`));
    }, ms);
    const onData = (d: Buffer): void => {
      text += d.toString('latin1');
      if (!until.test(text)) return;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      resolve(text);
    };
    socket.on('data', onData);
  });
}

let mesh: MeshPair;
let expectedXfcc: string;

before(async () => {
  mesh = await startMeshPair({ sniffTimeoutMs: SNIFF_MS, idleTimeoutMs: 3000 });
  await mesh.setClientTls('mesh');
  const leaf = new X509Certificate(mesh.client.cert.certChainPem[0]!);
  const hash = createHash('sha256').update(leaf.raw).digest('hex');
  expectedXfcc = `By=${mesh.server.cert.spiffeId};Hash=${hash};Subject="";URI=${mesh.client.cert.spiffeId}`;
});
after(() => mesh.close());

function mtlsConnect(host: string, port: number): Promise<Socket> {
  const tls = tlsConnect({
    host,
    port,
    key: mesh.client.cert.privateKeyPem,
    cert: mesh.client.cert.certChainPem.join(''),
    ca: [mesh.ca.rootPem],
    ALPNProtocols: ['istio'],
    checkServerIdentity: () => undefined,
  });
  return connected(tls, 'secureConnect');
}

describe('the HTTP sniff of an auto port, against a client that plays for time', () => {
  for (const [name, steps] of shapes) {
    it(`plaintext client (PERMISSIVE): the app sees no XFCC: ${name}`, async () => {
      await mesh.setServerMode('PERMISSIVE', 'auto');
      const socket = await connected(
        netConnect({ host: mesh.server.podIP, port: mesh.server.appPort }),
        'connect',
      );
      const r = await play(socket, steps);
      assert.deepEqual(r.responses, [{ status: 200, xfcc: [] }], r.text);
    });

    it(`mTLS client (STRICT): the app sees only the sidecar's XFCC: ${name}`, async () => {
      await mesh.setServerMode('STRICT', 'auto');
      const r = await play(await mtlsConnect(mesh.server.podIP, mesh.server.appPort), steps);
      assert.deepEqual(r.responses, [{ status: 200, xfcc: [expectedXfcc] }], r.text);
    });

    it(`through the client's sidecar (CONNECT, STRICT): the app sees only the sidecar's XFCC: ${name}`, async () => {
      await mesh.setServerMode('STRICT', 'auto');
      const socket = await connected(
        netConnect({ host: mesh.client.podIP, port: mesh.clientProxy.outboundPort }),
        'connect',
      );
      const authority = `${SERVICE_HOST}:${SERVICE_PORT}`;
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
      const established = await readUntil(socket, /\r\n\r\n/);
      assert.match(established, /^HTTP\/1\.1 200 /);
      const r = await play(socket, steps);
      assert.deepEqual(r.responses, [{ status: 200, xfcc: [expectedXfcc] }], r.text);
    });
  }
});

describe('a server-first protocol on an auto port', () => {
  let greeter: Server;
  let proxy: ProxyHandle;
  let pod: PodSpec;
  const greeted = new Set<Socket>();

  before(async () => {
    // Greets on connect, as SMTP or MySQL do, then echoes each line back.
    greeter = createServer((s) => {
      greeted.add(s);
      s.once('close', () => greeted.delete(s));
      s.write('220 greeter ready\r\n');
      s.on('data', (d: Buffer) => s.write(`echo: ${d.toString('latin1')}`));
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => greeter.listen(0, '127.0.0.1', resolve));
    pod = {
      pod: 'greeter-1',
      namespace: 'full',
      serviceAccount: 'greeter',
      podIP: '127.0.0.4',
      appPort: (greeter.address() as AddressInfo).port,
      cert: await issueLeaf(mesh.ca, spiffeId('full', 'greeter')),
    };
    proxy = await startProxy({
      podIP: pod.podIP,
      appHost: '127.0.0.1',
      outbound: { port: 0 },
      admin: { port: 0 },
      limits: { sniffTimeoutMs: SNIFF_MS },
      certificates: new FixedCertificateSource(pod.cert),
      snapshot: snapshotFor(pod, 'PERMISSIVE', [], undefined, 'auto'),
    });
  });
  after(async () => {
    await proxy.close();
    for (const s of greeted) s.destroy();
    await new Promise((resolve) => greeter.close(resolve));
  });

  async function setMode(mode: 'STRICT' | 'PERMISSIVE'): Promise<void> {
    const r = await proxy.applyAndWait(snapshotFor(pod, mode, [], undefined, 'auto'));
    assert.ok(r.ok);
  }

  /** Waits for the greeting, then answers with a line that starts like an HTTP request. */
  async function converse(socket: Socket): Promise<void> {
    socket.on('error', () => undefined);
    await readUntil(socket, /^220 greeter ready\r\n$/);
    socket.write('HELO client.example\r\n');
    await readUntil(socket, /^echo: HELO client\.example\r\n$/);
    socket.destroy();
  }

  it('greets a silent plaintext client (PERMISSIVE), and its answer reaches the app as it was sent', async () => {
    await setMode('PERMISSIVE');
    await converse(await connected(netConnect({ host: pod.podIP, port: pod.appPort }), 'connect'));
  });

  it('greets a silent mTLS client (STRICT), and its answer reaches the app as it was sent', async () => {
    await setMode('STRICT');
    await converse(await mtlsConnect(pod.podIP, pod.appPort));
  });

  it('pipes a client-first protocol that is not HTTP at once (PERMISSIVE)', async () => {
    await setMode('PERMISSIVE');
    const socket = await connected(netConnect({ host: pod.podIP, port: pod.appPort }), 'connect');
    socket.on('error', () => undefined);
    socket.write('PING\r\n');
    await readUntil(socket, /220 greeter ready\r\necho: PING\r\n$/);
    socket.destroy();
  });
});
