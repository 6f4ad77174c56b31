// A sidecar under a control plane: its certificate from the CA (first with the pod token, then
// renewals with its SVID), its snapshot from discovery. Wires the three parts and stops them in
// reverse order on SIGTERM/SIGINT.
import { readFile } from 'node:fs/promises';
import type { ControlPlaneEndpoints } from '../../controlplane/index.js';
import { CaClientCertificateSource, startDiscoveryClient, startProxy } from '../../proxy/index.js';
import { createLogger } from '../../log/index.js';

export interface MeshedSidecarOptions {
  pod: string;
  namespace: string;
  podIP: string;
  appHost: string;
  /** The control plane's `controlplane.json`. */
  controlPlaneFile: string;
  tokenPath: string;
}

async function readEndpoints(file: string): Promise<ControlPlaneEndpoints> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<ControlPlaneEndpoints>;
  const { caAddress, discoveryAddress, rootCertPem, trustDomain, apiServer } = parsed;
  if (!caAddress || !discoveryAddress || !rootCertPem || !trustDomain || !apiServer) {
    throw new Error(
      `${file} does not describe a control plane (caAddress, discoveryAddress, rootCertPem, trustDomain)`,
    );
  }
  return { caAddress, discoveryAddress, rootCertPem, trustDomain, apiServer };
}

export async function runMeshedSidecar(options: MeshedSidecarOptions): Promise<number> {
  const logger = createLogger({ component: `sidecar.${options.namespace}.${options.pod}` });
  const endpoints = await readEndpoints(options.controlPlaneFile);
  const certificates = new CaClientCertificateSource();
  await certificates.start({
    caAddress: endpoints.caAddress,
    caRootPem: endpoints.rootCertPem,
    tokenPath: options.tokenPath,
    trustDomain: endpoints.trustDomain,
    logger: logger.child('identity'),
  });
  const proxy = await startProxy({ podIP: options.podIP, appHost: options.appHost, certificates });
  const discovery = startDiscoveryClient({
    address: endpoints.discoveryAddress,
    caRootPem: endpoints.rootCertPem,
    certificateSource: certificates,
    pod: options.pod,
    namespace: options.namespace,
    sink: proxy,
    logger: logger.child('discovery'),
  });
  logger.info('sidecar started', { podIP: options.podIP, appHost: options.appHost });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info('sidecar stopping');
  await discovery.close();
  await proxy.close();
  await certificates.close();
  return 0;
}
