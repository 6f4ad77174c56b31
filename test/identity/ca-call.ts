// One CreateCertificate call to a CA server as a sidecar (or an attacker) would make it: a fresh
// key and CSR, a pod token or a client certificate, and the gRPC status when it is refused.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { CaServer } from '../../src/controlplane/ca/index.js';
import type { CreateCertificateResponse } from '../../src/wire/index.js';
import { certificateServiceClient } from '../../src/controlplane/index.js';
import { createCsr, generateKeyPair, uriSans } from '../../src/identity/index.js';

export interface RawCall {
  token?: string;
  authorization?: string;
  clientCert?: { privateKeyPem: string; certChainPem: string[] };
  csrSpiffeId?: string;
  csr?: string;
  ttlSeconds?: number;
}

export type RawResult =
  { ok: true; res: CreateCertificateResponse; keyPem: string } | { ok: false; code: number; details: string };

export async function rawCall(server: CaServer, req: RawCall): Promise<RawResult> {
  const keys = await generateKeyPair();
  const csr = req.csr ?? createCsr(keys, req.csrSpiffeId);
  const roots = Buffer.from(server.trustBundlePem.join(''));
  const checkServerIdentity = (_h: string, c: { subjectaltname?: string }): Error | undefined =>
    uriSans(c.subjectaltname).includes('spiffe://cluster.local/ns/istio-system/sa/automesh-controlplane')
      ? undefined
      : new Error('wrong CA');
  const creds = req.clientCert
    ? grpc.credentials.createSsl(
        roots,
        Buffer.from(req.clientCert.privateKeyPem),
        Buffer.from(req.clientCert.certChainPem.join('')),
        { checkServerIdentity },
      )
    : grpc.credentials.createSsl(roots, null, null, { checkServerIdentity });
  const Client = certificateServiceClient();
  const client = new Client(server.address, creds, { 'grpc.ssl_target_name_override': 'localhost' });
  const md = new grpc.Metadata();
  const auth = req.authorization ?? (req.token !== undefined ? `Bearer ${req.token}` : undefined);
  if (auth !== undefined) md.set('authorization', auth);
  try {
    return await new Promise<RawResult>((resolve) => {
      const method = client['CreateCertificate'] as (...a: unknown[]) => void;
      method.call(
        client,
        { csr, ttl_seconds: req.ttlSeconds ?? 0 },
        md,
        { deadline: Date.now() + 5000 },
        (err: grpc.ServiceError | null, res: CreateCertificateResponse) => {
          resolve(
            err
              ? { ok: false, code: err.code, details: err.details }
              : { ok: true, res, keyPem: keys.privateKeyPem },
          );
        },
      );
    });
  } finally {
    client.close();
  }
}

export function leafOf(result: RawResult): X509Certificate {
  assert.ok(result.ok, result.ok ? '' : `${grpc.status[result.code]}: ${result.details}`);
  return new X509Certificate(result.res.cert_chain[0] ?? '');
}
