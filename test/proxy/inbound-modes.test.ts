// Every server mode × every kind of client, on two real sidecars and two apps on loopback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import type { ServerMode } from '../../src/api/index.js';
import { appSaw, curl, httpRequest, tlsRequest } from './harness.js';
import type { HttpResult } from './harness.js';
import { SERVICE_HOST, SERVICE_PORT, startMeshPair } from './mesh-pair.js';
import type { MeshPair } from './mesh-pair.js';

const FORGED =
  'By=spiffe://cluster.local/ns/evil/sa/evil;Hash=00;Subject="";URI=spiffe://cluster.local/ns/evil/sa/evil';
const RESET_PREFIX = 'upstream connect error or disconnect/reset before headers. reset reason: ';

type ClientKind =
  | 'plaintext app without sidecar'
  | 'sidecar plaintext'
  | 'sidecar mTLS'
  | 'TLS without istio ALPN'
  | 'client cert from a foreign CA';

/** What the client sees: a status, 'reset' or 'tls-failure', and what XFCC the app saw. */
interface Outcome {
  seen: string;
  xfcc: string[] | undefined;
}

describe('inbound modes × client kinds', () => {
  let mesh: MeshPair;
  let expectedXfcc: string;

  before(async () => {
    mesh = await startMeshPair();
    const leaf = new X509Certificate(mesh.client.cert.certChainPem[0]!);
    const hash = createHash('sha256').update(leaf.raw).digest('hex');
    expectedXfcc = `By=${mesh.server.cert.spiffeId};Hash=${hash};Subject="";URI=${mesh.client.cert.spiffeId}`;
  });
  after(async () => {
    await mesh.close();
  });

  /** A TLS client sees any failure (alert, reset, close) as 'tls-failure'; a plaintext one must see a reset. */
  function outcomeOf(result: HttpResult, tlsClient = false): Outcome {
    if (result.status === 200)
      return { seen: '200', xfcc: appSaw(result).headers.get('x-forwarded-client-cert') };
    if (result.status !== 0) {
      const body = result.body.trim().replace(/(transport failure reason: ).+$/, '$1…');
      return { seen: `${result.status} ${body}`, xfcc: undefined };
    }
    if (tlsClient) return { seen: 'tls-failure', xfcc: undefined };
    return { seen: result.error === 'ECONNRESET' ? 'reset' : `error ${result.error}`, xfcc: undefined };
  }

  async function callAs(kind: ClientKind): Promise<Outcome> {
    const { server } = mesh;
    const forged = { 'x-forwarded-client-cert': FORGED };
    switch (kind) {
      case 'plaintext app without sidecar':
        return outcomeOf(
          await httpRequest({ host: server.podIP, port: server.appPort, path: '/headers', headers: forged }),
        );
      case 'sidecar plaintext':
      case 'sidecar mTLS': {
        await mesh.setClientTls(kind === 'sidecar mTLS' ? 'mesh' : 'plaintext');
        return outcomeOf(
          await httpRequest({
            host: mesh.client.podIP,
            port: mesh.clientProxy.outboundPort,
            path: `http://${SERVICE_HOST}:${SERVICE_PORT}/headers`,
            headers: forged,
          }),
        );
      }
      case 'TLS without istio ALPN':
        return outcomeOf(
          await tlsRequest({
            host: server.podIP,
            port: server.appPort,
            cert: mesh.client.cert,
            trustBundle: [mesh.ca.rootPem],
            alpn: ['http/1.1'],
            headers: [`x-forwarded-client-cert: ${FORGED}`],
          }),
          true,
        );
      case 'client cert from a foreign CA':
        return outcomeOf(
          await tlsRequest({
            host: server.podIP,
            port: server.appPort,
            cert: mesh.foreignCert,
            trustBundle: [mesh.ca.rootPem],
            alpn: ['istio'],
          }),
          true,
        );
    }
  }

  const mtlsOk = (): Outcome => ({ seen: '200', xfcc: [expectedXfcc] });
  const plainOk: Outcome = { seen: '200', xfcc: undefined };
  const table: Array<[ServerMode, ClientKind, () => Outcome]> = [
    ['STRICT', 'plaintext app without sidecar', () => ({ seen: 'reset', xfcc: undefined })],
    [
      'STRICT',
      'sidecar plaintext',
      () => ({ seen: `503 ${RESET_PREFIX}connection termination`, xfcc: undefined }),
    ],
    ['STRICT', 'sidecar mTLS', mtlsOk],
    ['STRICT', 'TLS without istio ALPN', mtlsOk],
    ['STRICT', 'client cert from a foreign CA', () => ({ seen: 'tls-failure', xfcc: undefined })],
    ['PERMISSIVE', 'plaintext app without sidecar', () => plainOk],
    ['PERMISSIVE', 'sidecar plaintext', () => plainOk],
    ['PERMISSIVE', 'sidecar mTLS', mtlsOk],
    ['PERMISSIVE', 'TLS without istio ALPN', () => ({ seen: 'tls-failure', xfcc: undefined })],
    ['PERMISSIVE', 'client cert from a foreign CA', () => ({ seen: 'tls-failure', xfcc: undefined })],
    ['DISABLE', 'plaintext app without sidecar', () => plainOk],
    ['DISABLE', 'sidecar plaintext', () => plainOk],
    // The TLS layer's reason varies with where the plaintext server's answer cut the handshake.
    [
      'DISABLE',
      'sidecar mTLS',
      () => ({ seen: `503 ${RESET_PREFIX}connection failure, transport failure reason: …`, xfcc: undefined }),
    ],
    ['DISABLE', 'TLS without istio ALPN', () => ({ seen: 'tls-failure', xfcc: undefined })],
    ['DISABLE', 'client cert from a foreign CA', () => ({ seen: 'tls-failure', xfcc: undefined })],
  ];

  for (const [mode, kind, expected] of table) {
    const want = expected;
    it(`${mode}: ${kind} → ${want === mtlsOk ? '200 with the server-written XFCC only' : want().seen}`, async () => {
      await mesh.setServerMode(mode);
      assert.deepEqual(await callAs(kind), want());
    });
  }

  it('resets a plaintext curl to a STRICT port: prints 000 and exits 56', async () => {
    await mesh.setServerMode('STRICT');
    const r = await curl([`http://${mesh.server.podIP}:${mesh.server.appPort}/headers`]);
    assert.equal(r.stdout, '000');
    assert.equal(r.code, 56, r.stderr);
    assert.match(r.stderr, /reset by peer/i);
  });

  it('lets a plaintext curl through a PERMISSIVE port with every forged XFCC removed', async () => {
    await mesh.setServerMode('PERMISSIVE');
    const r = await curl([
      '-H',
      `X-Forwarded-Client-Cert: ${FORGED}`,
      '-H',
      'x-forwarded-client-cert: again',
      `http://${mesh.server.podIP}:${mesh.server.appPort}/headers`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.endsWith('200'));
    const saw = JSON.parse(r.stdout.slice(0, -3)) as { rawHeaders: string[] };
    assert.ok(!saw.rawHeaders.some((h) => h.toLowerCase() === 'x-forwarded-client-cert'));
  });

  it('counts requests on both ends with principals and TLS mode', async () => {
    await mesh.setServerMode('STRICT');
    await mesh.setClientTls('mesh');
    const before = mesh.serverProxy.metrics.requestCount({
      direction: 'inbound',
      tls_mode: 'mutual_tls',
      source_principal: mesh.client.cert.spiffeId,
      response_code: '201',
    });
    const r = await httpRequest({
      host: mesh.client.podIP,
      port: mesh.clientProxy.outboundPort,
      path: `http://${SERVICE_HOST}:${SERVICE_PORT}/status/201`,
    });
    assert.equal(r.status, 201);
    const text = await (
      await fetch(`http://${mesh.client.podIP}:${mesh.clientProxy.adminPort}/stats/prometheus`)
    ).text();
    assert.match(
      text,
      new RegExp(
        `automesh_requests_total\\{direction="outbound",source_principal="${mesh.client.cert.spiffeId}",destination_principal="${mesh.server.cert.spiffeId}",tls_mode="mutual_tls",response_code="201"\\} 1`,
      ),
    );
    const afterCount = mesh.serverProxy.metrics.requestCount({
      direction: 'inbound',
      tls_mode: 'mutual_tls',
      source_principal: mesh.client.cert.spiffeId,
      response_code: '201',
    });
    assert.equal(afterCount - before, 1);
    const serverText = await (
      await fetch(`http://${mesh.server.podIP}:${mesh.serverProxy.adminPort}/stats/prometheus`)
    ).text();
    assert.match(
      serverText,
      /automesh_handshake_failures_total\{direction="inbound",reason="plaintext_on_strict"\} [1-9]/,
    );
    const notAfter = Math.floor(mesh.server.cert.notAfter.getTime() / 1000);
    assert.match(
      serverText,
      new RegExp(
        `automesh_certificate_expiration_timestamp_seconds\\{spiffe_id="${mesh.server.cert.spiffeId}"\\} ${notAfter}\n`,
      ),
    );
  });
});
