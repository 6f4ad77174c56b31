// One CreateCertificate call: a fresh key made here, a CSR, and either the pod token (first call,
// or when the current certificate has expired) or the current SVID as TLS client certificate.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { CreateCertificateResponse } from '../../wire/index.js';
import {
  CREATE_CERTIFICATE,
  GrpcChannel,
  GrpcError,
  clientMethod,
  grpcStatusName,
} from '../../wire/index.js';
import { createCsr, generateKeyPair, uriSans, verifyPeerSvid } from '../../identity/workload-credentials.js';
import type { WorkloadCertificate } from '../sources.js';
import { CaClientError } from './ca-client-error.js';

const CREATE_CERTIFICATE_CALL = clientMethod(CREATE_CERTIFICATE);

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

function channel(opts: CertificateRequestOptions): GrpcChannel {
  const checkServerIdentity = (_host: string, cert: { subjectaltname?: string }): Error | undefined =>
    uriSans(cert.subjectaltname).includes(opts.caServerSpiffeId)
      ? undefined
      : new CaClientError('AUTOMESH_ERR_CA_CLIENT_SERVER_ID', `CA server is not ${opts.caServerSpiffeId}`);
  const client =
    opts.credential.kind === 'certificate'
      ? { key: opts.credential.cert.privateKeyPem, cert: opts.credential.cert.certChainPem.join('') }
      : {};
  // The server name only has to avoid Node's IP-as-SNI warning; identity is checked above.
  return new GrpcChannel(opts.caAddress, {
    ca: opts.caRootsPem.join(''),
    serverName: 'localhost',
    checkServerIdentity,
    ...client,
  });
}

async function call(opts: CertificateRequestOptions, csr: string): Promise<CreateCertificateResponse> {
  const ca = channel(opts);
  const metadata: Record<string, string> =
    opts.credential.kind === 'token' ? { authorization: `Bearer ${opts.credential.token}` } : {};
  try {
    return await ca.unary(
      CREATE_CERTIFICATE_CALL,
      { csr, ttl_seconds: opts.ttlSeconds },
      { metadata, timeoutMs: opts.timeoutMs },
    );
  } catch (err) {
    if (!(err instanceof GrpcError)) throw err;
    throw new CaClientError(
      'AUTOMESH_ERR_CA_CLIENT_REFUSED',
      `CA refused: ${grpcStatusName(err.code)}: ${err.details}`,
      { cause: err, grpcCode: err.code },
    );
  } finally {
    ca.close();
  }
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
