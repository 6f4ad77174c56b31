// Public surface of the sidecar's discovery client.
export type { DiscoveryClient, DiscoveryClientOptions, DiscoveryClientStatus } from './discovery-client.js';
export { startDiscoveryClient } from './discovery-client.js';
export type { BackoffOptions } from './backoff.js';
export { backoffDelayMs, DEFAULT_BACKOFF_INITIAL_MS, DEFAULT_BACKOFF_MAX_MS } from './backoff.js';
