// Two pods on loopback, each an echo app plus a sidecar: "sleep" (client, 127.0.0.2) and
// "httpbin" (server, 127.0.0.3), with certificates from a CA made at test time.
import { startProxy } from '../../src/proxy/index.js';
import type { ProxyHandle, ProxyLimits, WorkloadCertificate } from '../../src/proxy/index.js';
import type { ServerMode, UpstreamTls } from '../../src/api/index.js';
import { createTestCa, FixedCertificateSource, issueLeaf, spiffeId } from '../support/pki.js';
import type { TestCa } from '../support/pki.js';
import { meshTls, serviceFor, snapshotFor, startEchoApp } from './harness.js';
import type { EchoApp, PodSpec } from './harness.js';

export const SERVICE_PORT = 8000;
export const SERVICE_HOST = 'httpbin.full';

export interface MeshPair {
  ca: TestCa;
  foreignCa: TestCa;
  foreignCert: WorkloadCertificate;
  client: PodSpec;
  server: PodSpec;
  clientApp: EchoApp;
  serverApp: EchoApp;
  clientProxy: ProxyHandle;
  serverProxy: ProxyHandle;
  /** The client sidecar's certificate source (rotate it by hand). */
  clientCertificates: FixedCertificateSource;
  /** Sets the server's inbound mode (and protocol). */
  setServerMode(mode: ServerMode, protocol?: 'http' | 'tcp' | 'auto'): Promise<void>;
  /** Sets the TLS the client sidecar uses toward the server's endpoint. */
  setClientTls(tls: 'mesh' | 'plaintext' | UpstreamTls): Promise<void>;
  close(): Promise<void>;
}

export const TEST_LIMITS: Partial<ProxyLimits> = { sniffTimeoutMs: 1000, idleTimeoutMs: 3000 };

export async function startMeshPair(limits: Partial<ProxyLimits> = TEST_LIMITS): Promise<MeshPair> {
  const ca = await createTestCa();
  const foreignCa = await createTestCa();
  const [clientCert, serverCert, foreignCert] = await Promise.all([
    issueLeaf(ca, spiffeId('default', 'sleep')),
    issueLeaf(ca, spiffeId('full', 'httpbin')),
    issueLeaf(foreignCa, spiffeId('default', 'sleep')),
  ]);
  const clientApp = await startEchoApp();
  const serverApp = await startEchoApp();
  const client: PodSpec = {
    pod: 'sleep-1',
    namespace: 'default',
    serviceAccount: 'sleep',
    podIP: '127.0.0.2',
    appPort: clientApp.port,
    cert: clientCert,
  };
  const server: PodSpec = {
    pod: 'httpbin-1',
    namespace: 'full',
    serviceAccount: 'httpbin',
    podIP: '127.0.0.3',
    appPort: serverApp.port,
    cert: serverCert,
  };
  const common = { appHost: '127.0.0.1', outbound: { port: 0 }, admin: { port: 0 }, limits };
  const serverProxy = await startProxy({
    ...common,
    podIP: server.podIP,
    certificates: new FixedCertificateSource(serverCert),
    snapshot: snapshotFor(server, 'PERMISSIVE'),
  });
  const clientTlsSnapshot = (tls: UpstreamTls) =>
    snapshotFor(client, 'PERMISSIVE', [serviceFor('httpbin', 'full', SERVICE_PORT, [{ pod: server, tls }])]);
  const clientCertificates = new FixedCertificateSource(clientCert);
  const clientProxy = await startProxy({
    ...common,
    podIP: client.podIP,
    certificates: clientCertificates,
    snapshot: clientTlsSnapshot(meshTls(server, SERVICE_PORT, 'httpbin.full.svc.cluster.local')),
  });
  return {
    ca,
    foreignCa,
    foreignCert,
    client,
    server,
    clientApp,
    serverApp,
    clientProxy,
    serverProxy,
    clientCertificates,
    async setServerMode(mode, protocol = 'http') {
      const r = await serverProxy.applyAndWait(snapshotFor(server, mode, [], undefined, protocol));
      if (!r.ok) throw new Error(r.error);
    },
    async setClientTls(tls) {
      const resolved: UpstreamTls =
        tls === 'mesh'
          ? meshTls(server, SERVICE_PORT, 'httpbin.full.svc.cluster.local')
          : tls === 'plaintext'
            ? { mode: 'DISABLE', reason: 'test' }
            : tls;
      const r = await clientProxy.applyAndWait(clientTlsSnapshot(resolved));
      if (!r.ok) throw new Error(r.error);
    },
    async close() {
      await Promise.all([clientProxy.close(), serverProxy.close()]);
      await Promise.all([clientApp.close(), serverApp.close()]);
    },
  };
}
