import 'reflect-metadata';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as tls from 'node:tls';
import type { CaServer } from '../../src/controlplane/ca/index.js';
import { startCaServer } from '../../src/controlplane/ca/index.js';
import { PodTokenIssuer, uriSans } from '../../src/identity/index.js';
import { silentLogger } from '../../src/log/index.js';
import { CaClientCertificateSource } from '../../src/proxy/identity/index.js';
import type { RenewalTrouble, WorkloadCertificate } from '../../src/proxy/sources.js';
import { tempDir } from './support.js';

const TD = 'cluster.local';
const HTTPBIN_ID = 'spiffe://cluster.local/ns/full/sa/httpbin';
const SLEEP_ID = 'spiffe://cluster.local/ns/full/sa/sleep';

function secureContext(cert: WorkloadCertificate): tls.SecureContextOptions {
  return { key: cert.privateKeyPem, cert: cert.certChainPem.join(''), ca: cert.trustBundlePem.join('') };
}

/** An mTLS echo server that swaps its certificate for new handshakes on every update. */
function startEchoServer(source: CaClientCertificateSource): Promise<tls.Server> {
  const first = source.current();
  assert.ok(first);
  const server = tls.createServer(
    { ...secureContext(first), requestCert: true, rejectUnauthorized: true },
    (socket) => {
      const peer = uriSans(socket.getPeerX509Certificate()?.subjectAltName)[0] ?? 'none';
      socket.on('data', (d: Buffer) => socket.end(`${peer}|${d.toString()}`));
      socket.on('error', () => socket.destroy());
    },
  );
  source.onUpdate((cert) => server.setSecureContext(secureContext(cert)));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** One request on a new connection with the client's current certificate; resolves with the server's serial and reply. */
function echo(
  port: number,
  cert: WorkloadCertificate,
  msg: string,
): Promise<{ reply: string; serverSerial: string }> {
  return new Promise((resolve, reject) => {
    let serverSerial = '';
    let reply = '';
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ...secureContext(cert),
      checkServerIdentity: (_h, c) =>
        uriSans(c.subjectaltname).includes(HTTPBIN_ID) ? undefined : new Error('peer id mismatch'),
    });
    socket.setTimeout(3000, () => socket.destroy(new Error('timeout')));
    socket.once('secureConnect', () => {
      serverSerial = socket.getPeerX509Certificate()?.serialNumber ?? '';
      socket.write(msg);
    });
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.on('end', () =>
      reply.length > 0 ? resolve({ reply, serverSerial }) : reject(new Error('closed before the first byte')),
    );
    socket.on('error', reject);
  });
}

// A bound per test, so that a hang names the test that hung (the file-wide bound does not).
const BOUND = { timeout: 60_000 };

describe('CaClientCertificateSource', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let ca: CaServer;
  let issuer: PodTokenIssuer;

  before(async () => {
    dir = await tempDir();
    issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
    ca = await startCaServer({
      stateDir: dir.path,
      trustDomain: TD,
      tokenVerifier: issuer,
      logger: silentLogger,
    });
  });
  after(async () => {
    await ca.close();
    await dir.remove();
  });

  async function sidecar(sa: string, ttlSeconds: number): Promise<CaClientCertificateSource> {
    const tokenPath = join(dir.path, `${sa}.token`);
    await writeFile(
      tokenPath,
      issuer.mint({ namespace: 'full', serviceAccount: sa, pod: `${sa}-1`, podUid: `uid-${sa}` }, 60),
      { mode: 0o600 },
    );
    const source = new CaClientCertificateSource();
    await source.start({
      caAddress: ca.address,
      caRootPem: ca.rootCertPem,
      tokenPath,
      ttlSeconds,
      logger: silentLogger,
    });
    return source;
  }

  it('gets its first certificate with the pod token and exposes it', BOUND, async () => {
    const source = await sidecar('sleep', 3600);
    try {
      const cert = source.current();
      assert.ok(cert);
      assert.equal(cert.spiffeId, SLEEP_ID);
      assert.equal(cert.certChainPem.length, 1);
      assert.deepEqual(cert.trustBundlePem, ca.trustBundlePem);
      assert.ok(Math.abs(cert.notAfter.getTime() - Date.now() - 3_600_000) < 5000);
    } finally {
      await source.close();
    }
  });

  it('fails to start when the token is refused, with the reason', BOUND, async () => {
    const tokenPath = join(dir.path, 'bad.token');
    await writeFile(tokenPath, 'not-a-token');
    const source = new CaClientCertificateSource();
    await assert.rejects(
      source.start({
        caAddress: ca.address,
        caRootPem: ca.rootCertPem,
        tokenPath,
        startTimeoutMs: 300,
        backoffInitialMs: 50,
        logger: silentLogger,
      }),
      (err: Error & { code?: string }) =>
        err.code === 'AUTOMESH_ERR_CA_CLIENT_START' && err.message.includes('UNAUTHENTICATED'),
    );
    await source.close();
  });

  it(
    'backs off while the CA is down, says so, and renews before the current certificate expires',
    BOUND,
    async () => {
      const stateDir = join(dir.path, 'restart');
      const first = await startCaServer({
        stateDir,
        trustDomain: TD,
        tokenVerifier: issuer,
        logger: silentLogger,
      });
      const port = first.port;
      const tokenPath = join(dir.path, 'backoff.token');
      await writeFile(
        tokenPath,
        issuer.mint({ namespace: 'full', serviceAccount: 'sleep', pod: 'sleep-b', podUid: 'uid-b' }, 60),
      );
      const source = new CaClientCertificateSource();
      let restarted: CaServer | undefined;
      try {
        await source.start({
          caAddress: first.address,
          caRootPem: first.rootCertPem,
          tokenPath,
          ttlSeconds: 6,
          backoffInitialMs: 100,
          backoffMaxMs: 400,
          requestTimeoutMs: 1000,
          logger: silentLogger,
        });
        const original = source.current();
        assert.ok(original);
        assert.equal(source.renewalTrouble(), undefined);
        const reported: RenewalTrouble[] = [];
        source.onRenewalFailure((t) => reported.push(t));
        await first.close();
        // Renewal is due after ~3 s; the CA stays away until 4 s, so at least one attempt fails.
        await new Promise((r) => setTimeout(r, 4000));
        assert.equal(
          source.current()?.serialNumber,
          original.serialNumber,
          'old certificate stays in force meanwhile',
        );
        const trouble = source.renewalTrouble();
        assert.ok(trouble !== undefined && trouble.failures >= 1, 'the failing renewals are on record');
        assert.match(trouble.error, /ECONNREFUSED|UNAVAILABLE/);
        assert.deepEqual(
          reported.map((t) => t.failures),
          reported.map((_, i) => i + 1),
          'each failure is reported, counted in a row',
        );
        assert.ok(reported.every((t) => t.since.getTime() === trouble.since.getTime()));
        restarted = await startCaServer({
          stateDir,
          trustDomain: TD,
          tokenVerifier: issuer,
          port,
          logger: silentLogger,
        });
        const renewed = await new Promise<WorkloadCertificate>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no renewal within 1.8 s')), 1800);
          source.onUpdate((c) => {
            clearTimeout(timer);
            resolve(c);
          });
        });
        assert.notEqual(renewed.serialNumber, original.serialNumber);
        assert.ok(Date.now() < original.notAfter.getTime(), 'renewed before the old certificate expired');
        assert.equal(source.renewalTrouble(), undefined, 'a successful renewal clears the trouble');
      } finally {
        await source.close();
        await restarted?.close();
      }
    },
  );

  it('asks with the pod token when a renewal with the certificate is refused', BOUND, async () => {
    // The CA refuses exactly one certificate renewal, as it does for an SVID that names no pod
    // (issued before SVIDs named their pod): the sidecar gets its renewal with the token.
    const verdicts: boolean[] = [];
    let refuseNext = false;
    const strict = await startCaServer({
      stateDir: join(dir.path, 'fallback'),
      trustDomain: TD,
      tokenVerifier: issuer,
      isPodCurrent: () => {
        const live = !refuseNext;
        refuseNext = false;
        verdicts.push(live);
        return live;
      },
      logger: silentLogger,
    });
    const tokenPath = join(dir.path, 'fallback.token');
    await writeFile(
      tokenPath,
      issuer.mint({ namespace: 'full', serviceAccount: 'sleep', pod: 'sleep-f', podUid: 'uid-f' }, 60),
    );
    const source = new CaClientCertificateSource();
    try {
      const first = await source.start({
        caAddress: strict.address,
        caRootPem: strict.rootCertPem,
        tokenPath,
        ttlSeconds: 3,
        logger: silentLogger,
      });
      const failures: RenewalTrouble[] = [];
      source.onRenewalFailure((t) => failures.push(t));
      refuseNext = true;
      const renewed = await new Promise<WorkloadCertificate>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no renewal within 4 s')), 4000);
        source.onUpdate((c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      assert.notEqual(renewed.serialNumber, first.serialNumber);
      assert.deepEqual(verdicts, [true, false, true], 'token, refused certificate, token again');
      assert.deepEqual(
        failures.map((t) => t.error),
        [],
        'the renewal never failed',
      );
    } finally {
      await source.close();
      await strict.close();
    }
  });

  it('leaves connections opened before a renewal working after it', BOUND, async () => {
    const server = await sidecar('httpbin', 3);
    const client = await sidecar('sleep', 3);
    const echoServer = tls.createServer(
      {
        ...secureContext(server.current() as WorkloadCertificate),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket) => {
        socket.on('data', (d: Buffer) => socket.write(d));
        socket.on('error', () => socket.destroy());
      },
    );
    server.onUpdate((cert) => echoServer.setSecureContext(secureContext(cert)));
    await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', () => resolve()));
    const firstSerial = server.current()?.serialNumber;
    const socket = tls.connect({
      host: '127.0.0.1',
      port: (echoServer.address() as AddressInfo).port,
      ...secureContext(client.current() as WorkloadCertificate),
      checkServerIdentity: () => undefined,
    });
    try {
      await new Promise<void>((resolve, reject) =>
        socket.once('secureConnect', resolve).once('error', reject),
      );
      const roundTrip = (msg: string): Promise<string> =>
        new Promise((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())).write(msg));
      assert.equal(await roundTrip('before'), 'before');
      await new Promise<void>((resolve) => server.onUpdate(() => resolve()));
      assert.notEqual(server.current()?.serialNumber, firstSerial);
      assert.equal(await roundTrip('after'), 'after');
    } finally {
      socket.destroy();
      await new Promise<void>((resolve) => echoServer.close(() => resolve()));
      await server.close();
      await client.close();
    }
  });

  it(
    'keeps mTLS requests between two sidecars going across several renewals with zero failures',
    BOUND,
    async () => {
      const server = await sidecar('httpbin', 4);
      const client = await sidecar('sleep', 4);
      // Renewals must not depend on the token: it is gone after the first certificate.
      await writeFile(join(dir.path, 'httpbin.token'), 'revoked');
      await writeFile(join(dir.path, 'sleep.token'), 'revoked');
      const echoServer = await startEchoServer(server);
      const port = (echoServer.address() as AddressInfo).port;
      const serverSerials = new Set<string>([server.current()?.serialNumber ?? '']);
      const clientSerials = new Set<string>([client.current()?.serialNumber ?? '']);
      server.onUpdate((c) => serverSerials.add(c.serialNumber));
      client.onUpdate((c) => clientSerials.add(c.serialNumber));
      const seenServerSerials = new Set<string>();
      let ok = 0;
      const failures: string[] = [];
      const stopAt = Date.now() + 7_000;
      try {
        for (let i = 0; Date.now() < stopAt && i < 10_000; i++) {
          const cert = client.current();
          assert.ok(cert);
          try {
            const { reply, serverSerial } = await echo(port, cert, `ping ${i}`);
            assert.equal(reply, `${SLEEP_ID}|ping ${i}`);
            seenServerSerials.add(serverSerial);
            ok++;
          } catch (err) {
            failures.push((err as Error).message);
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await new Promise<void>((resolve) => echoServer.close(() => resolve()));
        await server.close();
        await client.close();
      }
      assert.deepEqual(failures, []);
      assert.ok(ok > 50, `${ok} requests`);
      assert.ok(serverSerials.size >= 3, `server renewed ${serverSerials.size - 1} times`);
      assert.ok(clientSerials.size >= 3, `client renewed ${clientSerials.size - 1} times`);
      assert.ok(
        seenServerSerials.size >= 3,
        `new connections saw ${seenServerSerials.size} server certificates`,
      );
    },
  );
});
