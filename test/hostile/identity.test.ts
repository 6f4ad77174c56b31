// Identity at a STRICT inbound port: no certificate from another CA, expired or not yet valid, of
// another trust domain, without exactly one SPIFFE ID, self-signed, or none at all ever reaches the
// app; and the app never sees an XFCC the server sidecar did not write, from any kind of client.
// (Foreign CA and plaintext → reset, forged XFCC through a sidecar and a TLS client without the
// istio ALPN: test/proxy/inbound-modes.test.ts; verifyPeerSvid unit cases:
// test/identity/verify-peer-svid.test.ts.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createTestCa, issueLeaf, spiffeId } from '../support/pki.js';
import type { WorkloadCertificate } from '../../src/proxy/index.js';
import { SERVICE_HOST, SERVICE_PORT, startMeshPair } from '../proxy/mesh-pair.js';
import type { MeshPair } from '../proxy/mesh-pair.js';
import { issueOddLeaf } from './odd-certificates.js';
import { parseEchoResponses } from './support.js';
import type { EchoResponse } from './support.js';

const HOUR = 3_600_000;
const FORGED =
  'By=spiffe://cluster.local/ns/evil/sa/evil;Hash=00;Subject="";URI=spiffe://cluster.local/ns/evil/sa/admin';

/** Writes `payload` on a fresh socket and reads until the peer closes (bounded). */
function exchange(
  socket: Socket,
  ready: string,
  payload: string,
): Promise<{ responses: EchoResponse[]; error?: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.once(ready, () => socket.write(payload));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (err: NodeJS.ErrnoException) => (error ??= err.code ?? err.message));
    socket.on('close', () =>
      resolve({ responses: parseEchoResponses(Buffer.concat(chunks).toString('latin1')), error }),
    );
  });
}

/** Polls `check` for up to 3 s: metrics are counted when the server closes, just after the client sees it. */
async function eventuallyTrue(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('condition not met within 3 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('identity and XFCC at the server sidecar', () => {
  let mesh: MeshPair;
  let expectedXfcc: string;
  let appRequests = 0;

  before(async () => {
    mesh = await startMeshPair();
    await mesh.setClientTls('mesh');
    const leaf = new X509Certificate(mesh.client.cert.certChainPem[0]!);
    const hash = createHash('sha256').update(leaf.raw).digest('hex');
    expectedXfcc = `By=${mesh.server.cert.spiffeId};Hash=${hash};Subject="";URI=${mesh.client.cert.spiffeId}`;
    // The echo app answers with the headers it saw; arrivals are counted here.
    mesh.serverApp.server.prependListener('request', () => appRequests++);
  });
  after(async () => {
    await mesh.close();
  });

  const sleep = spiffeId('default', 'sleep');

  function mtls(cert: WorkloadCertificate | undefined, payload: string, alpn = ['istio']) {
    const socket = tlsConnect({
      host: mesh.server.podIP,
      port: mesh.server.appPort,
      ...(cert === undefined ? {} : { key: cert.privateKeyPem, cert: cert.certChainPem.join('') }),
      ca: [mesh.ca.rootPem],
      ALPNProtocols: alpn,
      checkServerIdentity: () => undefined,
    });
    return exchange(socket, 'secureConnect', payload);
  }

  function plaintext(host: string, port: number, payload: string) {
    return exchange(netConnect({ host, port }), 'connect', payload);
  }

  const get = (extra: string[], last = true, target = '/headers'): string =>
    `GET ${target} HTTP/1.1\r\nHost: httpbin\r\n${extra.map((h) => `${h}\r\n`).join('')}${last ? 'Connection: close\r\n' : ''}\r\n`;

  describe('STRICT: who reaches the app', () => {
    const cases: Array<[string, () => Promise<WorkloadCertificate | undefined>]> = [
      ['a certificate from another CA', async () => issueLeaf(await createTestCa(), sleep)],
      [
        'an expired certificate',
        () =>
          issueOddLeaf(mesh.ca, {
            uris: [sleep],
            notBefore: new Date(Date.now() - 2 * HOUR),
            notAfter: new Date(Date.now() - HOUR),
          }),
      ],
      [
        'a certificate not valid yet',
        () =>
          issueOddLeaf(mesh.ca, {
            uris: [sleep],
            notBefore: new Date(Date.now() + HOUR),
            notAfter: new Date(Date.now() + 2 * HOUR),
          }),
      ],
      [
        'a mesh-CA certificate for another trust domain',
        () => issueLeaf(mesh.ca, spiffeId('default', 'sleep', 'evil.local')),
      ],
      [
        'a certificate from a CA of another trust domain',
        async () => issueLeaf(await createTestCa('evil.local'), spiffeId('default', 'sleep', 'evil.local')),
      ],
      [
        'a certificate without a SPIFFE ID (DNS SAN only)',
        () => issueOddLeaf(mesh.ca, { dnsNames: ['sleep.default.svc.cluster.local'] }),
      ],
      [
        'a certificate with two SPIFFE IDs',
        () => issueOddLeaf(mesh.ca, { uris: [sleep, spiffeId('istio-system', 'admin')] }),
      ],
      [
        'a mesh-CA certificate whose SPIFFE ID carries XFCC syntax',
        () =>
          issueOddLeaf(mesh.ca, { uris: [`${sleep};By=spiffe://cluster.local/ns/istio-system/sa/admin`] }),
      ],
      ['a certificate without any SAN', () => issueOddLeaf(mesh.ca, {})],
      [
        'a self-signed certificate naming the mesh CA as issuer',
        () => issueOddLeaf(mesh.ca, { uris: [sleep], selfSigned: true }),
      ],
      ['no client certificate', () => Promise.resolve(undefined)],
    ];

    for (const [name, make] of cases) {
      it(`never lets ${name} reach the app`, async () => {
        await mesh.setServerMode('STRICT');
        const cert = await make();
        const before = appRequests;
        for (const alpn of [['istio'], ['http/1.1'], []]) {
          const r = await mtls(cert, get([`x-forwarded-client-cert: ${FORGED}`]), alpn);
          assert.deepEqual(r.responses, [], `ALPN ${alpn.join(',')}: ${JSON.stringify(r)}`);
        }
        assert.equal(appRequests, before, 'the app saw a request');
      });
    }

    it('counts why it refused a client, so the reason is visible on the server side too', async () => {
      await mesh.setServerMode('STRICT');
      const failures = (reason: string): number => {
        const line = mesh.serverProxy.metrics
          .render()
          .split('\n')
          .find(
            (l) => l.startsWith('automesh_handshake_failures_total{') && l.includes(`reason="${reason}"`),
          );
        return line === undefined ? 0 : Number(line.split(' ').at(-1));
      };
      const expired = await issueOddLeaf(mesh.ca, {
        uris: [sleep],
        notBefore: new Date(Date.now() - 2 * HOUR),
        notAfter: new Date(Date.now() - HOUR),
      });
      const [expiredBefore, noCertBefore] = [failures('cert_has_expired'), failures('no_client_certificate')];
      await mtls(expired, get([]));
      await mtls(undefined, get([]));
      await eventuallyTrue(() => failures('cert_has_expired') > expiredBefore);
      await eventuallyTrue(() => failures('no_client_certificate') > noCertBefore);
    });

    it('lets the real mesh identity in (the control case)', async () => {
      await mesh.setServerMode('STRICT');
      const r = await mtls(mesh.client.cert, get([]));
      assert.deepEqual(r.responses, [{ status: 200, xfcc: [expectedXfcc] }]);
    });
  });

  // Ways a client may try to get its own XFCC to the app, or a second one beside the sidecar's.
  const forgeries: Array<[string, string]> = [
    ['one XFCC header', get([`x-forwarded-client-cert: ${FORGED}`])],
    ['two XFCC headers', get([`X-Forwarded-Client-Cert: ${FORGED}`, `x-forwarded-client-cert: By=x;URI=y`])],
    ['an upper-case XFCC header', get([`X-FORWARDED-CLIENT-CERT: ${FORGED}`])],
    ['an XFCC header with underscores', get([`x_forwarded_client_cert: ${FORGED}`])],
    ['an empty XFCC header', get(['x-forwarded-client-cert:'])],
    [
      'XFCC named in Connection',
      get(['Connection: x-forwarded-client-cert', `x-forwarded-client-cert: ${FORGED}`]),
    ],
    [
      'XFCC on the second request of a kept-alive connection',
      get([]).replace('Connection: close\r\n', '') + get([`x-forwarded-client-cert: ${FORGED}`]),
    ],
    // After a 101 the sidecar forwards bytes without reading them: an app that switches to h2c (or
    // anything but WebSocket) would read the forged headers of the HTTP/2 requests that follow.
    [
      'XFCC after an h2c upgrade',
      get(
        ['Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA'],
        false,
      ) + get([`x-forwarded-client-cert: ${FORGED}`]),
    ],
    [
      'XFCC after an upgrade to a made-up protocol',
      get(['Connection: Upgrade', 'Upgrade: tunnel-me'], false) + get([`x-forwarded-client-cert: ${FORGED}`]),
    ],
    [
      'XFCC in a chunked trailer',
      `POST /echo HTTP/1.1\r\nHost: httpbin\r\nTransfer-Encoding: chunked\r\nTrailer: x-forwarded-client-cert\r\nConnection: close\r\n\r\n2\r\nhi\r\n0\r\nx-forwarded-client-cert: ${FORGED}\r\n\r\n`,
    ],
  ];
  const refusedShapes: Array<[string, string]> = [
    ['XFCC as obs-fold continuation', get(['X-A: 1', ` x-forwarded-client-cert: ${FORGED}`])],
    ['XFCC with a space before the colon', get([`x-forwarded-client-cert : ${FORGED}`])],
    ['XFCC after a bare LF', get([`X-A: 1\nx-forwarded-client-cert: ${FORGED}`])],
  ];

  describe('XFCC from a raw mTLS client with a valid identity (STRICT)', () => {
    for (const [name, payload] of forgeries) {
      it(`the app sees only the sidecar's XFCC: ${name}`, async () => {
        await mesh.setServerMode('STRICT');
        const r = await mtls(mesh.client.cert, payload);
        assert.ok(r.responses.length > 0, JSON.stringify(r));
        for (const res of r.responses) assert.deepEqual(res, { status: 200, xfcc: [expectedXfcc] });
      });
    }
    for (const [name, payload] of refusedShapes) {
      it(`refuses ${name} with 400 before the app`, async () => {
        await mesh.setServerMode('STRICT');
        const before = appRequests;
        const r = await mtls(mesh.client.cert, payload);
        assert.deepEqual(
          r.responses.map((x) => x.status),
          [400],
        );
        assert.equal(appRequests, before);
      });
    }
  });

  // A port whose protocol is sniffed ('auto') pipes what does not look like HTTP to the app as it
  // came. So whatever the app's HTTP parser would take as a request must look like HTTP to the
  // sniffer too: Node's parser skips empty lines before the request line and knows methods with a
  // dash. Each request must reach the app with only the sidecar's XFCC, or not at all.
  const sniffedShapes: Array<[string, string]> = [
    ['a plain GET', get([`x-forwarded-client-cert: ${FORGED}`])],
    ['empty lines before the request line', `\r\n\r\n${get([`x-forwarded-client-cert: ${FORGED}`])}`],
    ['a bare LF before the request line', `\n${get([`x-forwarded-client-cert: ${FORGED}`])}`],
    [
      'a method with a dash (M-SEARCH)',
      get([`x-forwarded-client-cert: ${FORGED}`]).replace(/^GET/, 'M-SEARCH'),
    ],
  ];
  describe('XFCC on a port whose protocol is sniffed (auto)', () => {
    for (const [name, payload] of sniffedShapes) {
      it(`mTLS client: the app sees only the sidecar's XFCC, if anything: ${name}`, async () => {
        await mesh.setServerMode('STRICT', 'auto');
        const r = await mtls(mesh.client.cert, payload);
        for (const res of r.responses) {
          if (res.status === 200) assert.deepEqual(res.xfcc, [expectedXfcc], JSON.stringify(r));
          else assert.ok(res.status >= 400, JSON.stringify(r));
        }
      });
      it(`plaintext client: the app sees no XFCC, if anything: ${name}`, async () => {
        await mesh.setServerMode('PERMISSIVE', 'auto');
        const r = await plaintext(mesh.server.podIP, mesh.server.appPort, payload);
        for (const res of r.responses) {
          if (res.status === 200) assert.deepEqual(res.xfcc, [], JSON.stringify(r));
          else assert.ok(res.status >= 400, JSON.stringify(r));
        }
      });
    }
    after(() => mesh.setServerMode('STRICT'));
  });

  describe('XFCC from a plaintext client (PERMISSIVE) and from an app through its sidecar (mTLS)', () => {
    for (const [name, payload] of forgeries) {
      it(`plaintext: the app sees no XFCC at all: ${name}`, async () => {
        await mesh.setServerMode('PERMISSIVE');
        const r = await plaintext(mesh.server.podIP, mesh.server.appPort, payload);
        assert.ok(r.responses.length > 0, JSON.stringify(r));
        for (const res of r.responses) assert.deepEqual(res, { status: 200, xfcc: [] });
      });
      it(`through the client sidecar: the app sees only the server sidecar's XFCC: ${name}`, async () => {
        await mesh.setServerMode('STRICT');
        const viaProxy = payload.replaceAll(/^(GET|POST) \//gm, `$1 http://${SERVICE_HOST}:${SERVICE_PORT}/`);
        const r = await plaintext(mesh.client.podIP, mesh.clientProxy.outboundPort, viaProxy);
        assert.ok(r.responses.length > 0, JSON.stringify(r));
        for (const res of r.responses) assert.deepEqual(res, { status: 200, xfcc: [expectedXfcc] });
      });
    }
  });
});
