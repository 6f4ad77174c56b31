// Public surface of discovery: the configuration push server and what it exposes about proxies.
export type { DiscoveryServer, DiscoveryServerOptions } from './discovery-server.js';
export { startDiscoveryServer } from './discovery-server.js';
export type { ProxyCertificate, ProxyStatus, PushCounters } from './proxy-status-registry.js';
export type { ConvergenceOptions, ConvergenceResult } from './wait-for-convergence.js';
export type { ProxyStatusView, ProxyStatusList } from './proxy-status-handler.js';
export {
  proxyStatusHandler,
  PROXY_STATUS_PATH,
  SYNC_PATH,
  MAX_SYNC_TIMEOUT_MS,
} from './proxy-status-handler.js';
export type { SnapshotProvider, PodRef } from './snapshot-provider.js';
export { policySnapshotProvider } from './snapshot-provider.js';
export type { Timers } from './push-debouncer.js';
export { PUSH_DEBOUNCE_MS, PUSH_MAX_DELAY_MS, DEFAULT_CONVERGENCE_TIMEOUT_MS } from './constants.js';
