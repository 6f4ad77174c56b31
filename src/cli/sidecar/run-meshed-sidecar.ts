// A sidecar under a control plane: its certificate from the CA (first with the pod token, then
// renewals with its SVID), its snapshot from discovery. Only wiring; stops in reverse order.
// With several replicas (comma-separated addresses, position i of both lists the same replica),
// a discovery stream that moves to another replica also moves the next renewal there, at once.
import { readFile } from 'node:fs/promises';
import type { ProxyHandle } from '../../proxy/index.js';
import type { DiscoveryClient } from '../../proxy/index.js';
import { CaClientCertificateSource, startDiscoveryClient, startProxy } from '../../proxy/index.js';
import { createLogger } from '../../log/index.js';
import { hostPort, runningAsRoot } from '../../runtime/host-port.js';

export interface MeshedSidecarOptions {
  pod: string;
  namespace: string;
  podIP: string;
  appHost: string;
  caAddress: string;
  discoveryAddress: string;
  tokenPath: string;
  rootCertPath: string;
  trustDomain: string;
  outboundPort: number;
  adminPort: number;
  unknownHosts: 'passthrough' | 'refuse';
}

export interface MeshedSidecar {
  proxy: ProxyHandle;
  close(): Promise<void>;
}

export async function startMeshedSidecar(options: MeshedSidecarOptions): Promise<MeshedSidecar> {
  const logger = createLogger({ component: `sidecar.${options.namespace}.${options.pod}` });
  const rootCertPem = await readFile(options.rootCertPath, 'utf8');
  const certificates = new CaClientCertificateSource();
  await certificates.start({
    caAddress: options.caAddress,
    caRootPem: rootCertPem,
    tokenPath: options.tokenPath,
    trustDomain: options.trustDomain,
    logger: logger.child('identity'),
  });
  // The admin port asks how the stream stands; the stream starts once the proxy listens.
  const streaming: { client?: DiscoveryClient } = {};
  const proxy = await startProxy({
    podIP: options.podIP,
    appHost: options.appHost,
    certificates,
    outbound: { host: options.podIP, port: options.outboundPort },
    admin: { host: options.podIP, port: options.adminPort },
    unknownHosts: options.unknownHosts,
    hostPort: (port) => hostPort(port, runningAsRoot()),
    controlPlane: () => ({
      discovery: streaming.client?.status(),
      ca: { addresses: options.caAddress.split(','), issuer: certificates.issuer() },
    }),
  }).catch(async (err: unknown) => {
    await certificates.close();
    throw err;
  });
  const discovery = startDiscoveryClient({
    address: options.discoveryAddress,
    caRootPem: rootCertPem,
    certificateSource: certificates,
    pod: options.pod,
    namespace: options.namespace,
    sink: proxy,
    logger: logger.child('discovery'),
    onReplicaChange: ({ index }) => certificates.renewAt(index),
  });
  streaming.client = discovery;
  logger.info('sidecar started', { podIP: options.podIP, appHost: options.appHost });
  return {
    proxy,
    close: async () => {
      await discovery.close();
      await proxy.close();
      await certificates.close();
    },
  };
}
