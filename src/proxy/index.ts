// Public surface of the proxy module: the sidecar's composition root, its inputs and options.
export { startProxy } from './start-proxy.js';
export type { ProxyHandle } from './start-proxy.js';
export type { ProxyOptions, ProxyLimits, ProxyConfig, ListenAddress } from './config/proxy-options.js';
export { DEFAULT_LIMITS, ADMIN_PORT, OUTBOUND_PORT } from './config/proxy-options.js';
export { validateSnapshot } from './config/snapshot-schema.js';
export { loadBootstrap, BootstrapError } from './config/bootstrap-file.js';
export type { Bootstrap } from './config/bootstrap-file.js';
export { FileCertificateSource, loadCertificateFiles } from './file-certificate-source.js';
export type { CertificateFiles } from './file-certificate-source.js';
export { ProxyMetrics } from './admin/proxy-metrics.js';
export type { UnknownHostPolicy } from './outbound/outbound-listener.js';
export type {
  ApplyResult,
  CertificateSource,
  SnapshotSink,
  Unsubscribe,
  WorkloadCertificate,
} from './sources.js';
export * from './identity/index.js';
export * from './discovery/index.js';
