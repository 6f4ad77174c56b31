// One CreateCertificate call: a fresh key made here, a CSR, and either the pod token (first call,
// or when the current certificate has expired) or the current SVID as TLS client certificate.

import * as grpc from '@grpc/grpc-js';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { CreateCertificateResponse } from '../../wire/index.js';
import { certificateServiceClient } from '../../wire/index.js';
import { createCsr, generateKeyPair, uriSans, verifyPeerSvid } from '../../identity/workload-credentials.js';
import type { WorkloadCertificate } from '../sources.js';
import { CaClientError } from './ca-client-error.js';

export interface CertificateRequestOptions {
  caAddress: string;
  caRootsPem: string[];
  /** The SPIFFE ID the CA server must present. */
  caServerSpiffeId: string;
  trustDomain: string;
  ttlSeconds: number;
  timeoutMs: number;
  nowMs: number;
  credential: { kind: 'token'; token: string } | { kind: 'certificate'; cert: WorkloadCertificate };
}

function channelCredentials(opts: CertificateRequestOptions): grpc.ChannelCredentials {
  const checkServerIdentity = (_host: string, cert: { subjectaltname?: string }): Error | undefined =>
    uriSans(cert.subjectaltname).includes(opts.caServerSpiffeId)
      ? undefined
      : new CaClientError('AUTOMESH_ERR_CA_CLIENT_SERVER_ID', `CA server is not ${opts.caServerSpiffeId}`);
  const roots = Buffer.from(opts.caRootsPem.join(''));
  if (opts.credential.kind === 'certificate') {
    const { privateKeyPem, certChainPem } = opts.credential.cert;
    return grpc.credentials.createSsl(roots, Buffer.from(privateKeyPem), Buffer.from(certChainPem.join('')), {
      checkServerIdentity,
    });
  }
  return grpc.credentials.createSsl(roots, null, null, { checkServerIdentity });
}

function call(opts: CertificateRequestOptions, csr: string): Promise<CreateCertificateResponse> {
  const Client = certificateServiceClient();
  // The server name only has to avoid Node's IP-as-SNI warning; identity is checked above.
  const client = new Client(opts.caAddress, channelCredentials(opts), {
    'grpc.ssl_target_name_override': 'localhost',
    'grpc.default_authority': 'localhost',
  });
  const metadata = new grpc.Metadata();
  if (opts.credential.kind === 'token') metadata.set('authorization', `Bearer ${opts.credential.token}`);
  const deadline = new Date(Date.now() + opts.timeoutMs);
  return new Promise<CreateCertificateResponse>((resolve, reject) => {
    const method = client['CreateCertificate'] as (
      req: unknown,
      md: grpc.Metadata,
      options: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: CreateCertificateResponse) => void,
    ) => void;
    method.call(client, { csr, ttl_seconds: opts.ttlSeconds }, metadata, { deadline }, (err, res) => {
      client.close();
      if (err)
        reject(
          new CaClientError(
            'AUTOMESH_ERR_CA_CLIENT_REFUSED',
            `CA refused: ${grpc.status[err.code] ?? err.code}: ${err.details}`,
            { cause: err, grpcCode: err.code },
          ),
        );
      else if (res === undefined)
        reject(new CaClientError('AUTOMESH_ERR_CA_CLIENT_RESPONSE', 'CA sent no response'));
      else resolve(res);
    });
  });
}

/** Requests a new SVID; the result is checked (our key, chains to the bundle, one SPIFFE ID) before use. */
export async function requestCertificate(opts: CertificateRequestOptions): Promise<WorkloadCertificate> {
  const keys = await generateKeyPair();
  const res = await call(opts, createCsr(keys));
  const leafPem = res.cert_chain[0];
  if (leafPem === undefined)
    throw new CaClientError('AUTOMESH_ERR_CA_CLIENT_RESPONSE', 'CA sent an empty chain');
  const trustBundlePem = res.trust_bundle.length > 0 ? res.trust_bundle : opts.caRootsPem;
  const check = verifyPeerSvid(leafPem, trustBundlePem, opts.trustDomain, {
    intermediatesPem: res.cert_chain.slice(1),
    nowMs: opts.nowMs,
  });
  if (!check.ok)
    throw new CaClientError(
      'AUTOMESH_ERR_CA_CLIENT_RESPONSE',
      `issued certificate unusable: ${check.reason}`,
    );
  const leaf = new X509Certificate(leafPem);
  if (!leaf.checkPrivateKey(createPrivateKey(keys.privateKeyPem))) {
    throw new CaClientError('AUTOMESH_ERR_CA_CLIENT_RESPONSE', 'issued certificate is not for our key');
  }
  return {
    privateKeyPem: keys.privateKeyPem,
    certChainPem: res.cert_chain,
    trustBundlePem,
    spiffeId: check.spiffeId,
    serialNumber: leaf.serialNumber,
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
}
