// Public surface of the API client: used by the CLI and the runtime.
export {
  ApiClient,
  type ApplyOutcomeItem,
  type ApplyResponse,
  type ClientWatchEvent,
  type ListOptions as ClientListOptions,
  type ResourceList,
  type ScopeOptions,
  type WatchEventType as ClientWatchEventType,
  type WatchHandle,
  type WatchOptions as ClientWatchOptions,
} from './api-client.js';
export { ApiClientError, type StatusLike } from './api-client-error.js';
export {
  ADMIN_CONFIG_FILE,
  ClientConfigError,
  adminConfigPath,
  defaultStateDir,
  loadClientConfig,
  parseKubeconfig,
  renderKubeconfig,
  type ClientConfig,
} from './client-config.js';
