// The API server serves HTTPS only: tests get a serving certificate from a throwaway mesh-shaped CA
// (made with the identity module, as the control plane does) and the root their clients trust.
import type { ApiServerTls } from '../../src/controlplane/index.js';
import {
  controlPlaneSpiffeId,
  createRootCertificate,
  generateKeyPair,
  issueServingCertificate,
} from '../../src/identity/index.js';

export interface ApiTestTls {
  tls: ApiServerTls;
  /** The root that signs `tls`: what a client passes as its CA. */
  caPem: string;
}

let made: Promise<ApiTestTls> | undefined;

async function make(): Promise<ApiTestTls> {
  const keys = await generateKeyPair();
  const cert = await createRootCertificate('cluster.local', keys, Date.now());
  const certPem = cert.toString('pem') + '\n';
  const signer = { keys, cert, certPem, chainPem: [], rootsPem: [certPem], trustDomain: 'cluster.local' };
  const serving = await issueServingCertificate(signer, {
    spiffeId: controlPlaneSpiffeId('cluster.local'),
  });
  return { tls: serving, caPem: certPem };
}

/** One CA and serving certificate per test process (for 127.0.0.1 and localhost). */
export function apiTestTls(): Promise<ApiTestTls> {
  made ??= make();
  return made;
}
