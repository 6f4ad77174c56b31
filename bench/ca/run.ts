// CA benchmark: signing throughput (ECDSA P-256) and CSR-to-certificate over gRPC on loopback.
// Run: node --import tsx bench/ca/run.ts [seconds-per-phase]

import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CertificateAuthority, loadCaSigner, startCaServer } from '../../src/controlplane/ca/index.js';
import { certificateServiceClient } from '../../src/controlplane/index.js';
import { PodTokenIssuer, createCsr, generateKeyPair, signLeafCertificate } from '../../src/identity/index.js';
import { silentLogger } from '../../src/log/index.js';

const PHASE_MS = Number(process.argv[2] ?? 3) * 1000;
const IN_FLIGHT = 8;
const POD = { namespace: 'bench', serviceAccount: 'bench', pod: 'bench-1', podUid: 'uid-1' };

async function timed(label: string, inFlight: number, op: () => Promise<void>): Promise<number> {
  let done = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() - start < PHASE_MS) {
      await op();
      done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const rate = done / ((performance.now() - start) / 1000);
  console.log(
    `${label.padEnd(58)} ${rate.toFixed(0).padStart(6)} /s  (${done} in ${(PHASE_MS / 1000).toFixed(0)} s, ${inFlight} in flight)`,
  );
  return rate;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'automesh-bench-ca-'));
  try {
    const signer = await loadCaSigner({ stateDir: dir, trustDomain: 'cluster.local' });
    const ca = new CertificateAuthority(signer);
    const keys = await generateKeyPair();
    const csrs = await Promise.all(
      Array.from({ length: 64 }, async () => createCsr(await generateKeyPair())),
    );
    let i = 0;
    const id = 'spiffe://cluster.local/ns/bench/sa/bench';
    await timed('sign only (SVID template, P-256)', 1, async () => {
      await signLeafCertificate({
        signer,
        publicKey: keys.publicKey,
        uris: [id],
        ttlMs: 86_400_000,
        nowMs: Date.now(),
      });
    });
    await timed('CA path: parse + verify CSR + sign', 1, async () => {
      await ca.issue({ csrPem: csrs[i++ % csrs.length] ?? '', identity: POD });
    });
    await timed('CA path: parse + verify CSR + sign', IN_FLIGHT, async () => {
      await ca.issue({ csrPem: csrs[i++ % csrs.length] ?? '', identity: POD });
    });
    await timed('sidecar side: keygen + CSR', 1, async () => {
      createCsr(await generateKeyPair());
    });

    const issuer = new PodTokenIssuer(PodTokenIssuer.generateKey());
    const server = await startCaServer({
      stateDir: dir,
      trustDomain: 'cluster.local',
      tokenVerifier: issuer,
      logger: silentLogger,
    });
    const Client = certificateServiceClient();
    const client = new Client(
      server.address,
      grpc.credentials.createSsl(Buffer.from(server.rootCertPem), null, null, {
        checkServerIdentity: () => undefined,
      }),
      { 'grpc.ssl_target_name_override': 'localhost' },
    );
    const token = issuer.mint(POD, 3600);
    const call = (csr: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const md = new grpc.Metadata();
        md.set('authorization', `Bearer ${token}`);
        const method = client['CreateCertificate'] as (...a: unknown[]) => void;
        method.call(client, { csr, ttl_seconds: 0 }, md, (err: grpc.ServiceError | null) =>
          err ? reject(err) : resolve(),
        );
      });
    try {
      await timed('gRPC CreateCertificate (token auth, TLS, one channel)', 1, () =>
        call(csrs[i++ % csrs.length] ?? ''),
      );
      await timed('gRPC CreateCertificate (token auth, TLS, one channel)', IN_FLIGHT, () =>
        call(csrs[i++ % csrs.length] ?? ''),
      );
    } finally {
      client.close();
      await server.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
