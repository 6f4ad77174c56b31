// Names the mesh derives: service FQDNs, SPIFFE IDs, SNI, and a service port's protocol. (How a
// service port maps to a workload port is api's targetPortOf.)
import { namespaceOf } from '../api/index.js';
import type { PortProtocol, Service, ServicePort } from '../api/index.js';

export const CLUSTER_DOMAIN = 'cluster.local';

export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

export function serviceNamespace(service: Service): string {
  return namespaceOf(service);
}

export function fqdnOf(service: Service): string {
  return serviceFqdn(service.metadata.name, serviceNamespace(service));
}

export function spiffeIdFor(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** `outbound_.<port>_.<subset>_.<fqdn>`, as Istio names the cluster for SNI. */
export function istioSni(port: number, subset: string | undefined, fqdn: string): string {
  return `outbound_.${port}_.${subset ?? ''}_.${fqdn}`;
}

const TCP_PROTOCOLS = new Set([
  'tcp',
  'tls',
  'https',
  'grpc',
  'grpc-web',
  'http2',
  'h2c',
  'mongo',
  'mysql',
  'redis',
]);

/**
 * Istio's protocol selection by port name (`http`, `http-foo`) or appProtocol. HTTP/2-based
 * protocols are proxied at L4 (`tcp`), since the sidecar speaks HTTP/1.1 only.
 */
export function portProtocol(port: ServicePort): PortProtocol {
  const declared = (port.appProtocol ?? port.name?.split('-')[0] ?? '').toLowerCase();
  if (declared === 'http') return 'http';
  if (TCP_PROTOCOLS.has(declared)) return 'tcp';
  return 'auto';
}
