// Public surface of the API server.
export {
  startApiServer,
  DEFAULT_BUILTIN_NAMESPACES,
  type ApiServer,
  type ApiServerOptions,
  type ApiServerTls,
  type ExtraHandler,
} from './api-server.js';
export { ensureAdminCredential, readAdminCredential, type AdminCredential } from './admin-credential.js';
export { ApiError, type ApiErrorCode } from './api-error.js';
export { parseRoute, AUTOMESH_GROUP_VERSION, type Route } from './route.js';
export { failureStatus, isStatus, type Status, type StatusCause, type StatusReason } from './status.js';
export { objectRef, type ApplyRequest, type ApplyResult, type ApplyResultItem } from './apply-handler.js';
export { DEFAULT_BODY_LIMIT_BYTES } from './read-json-body.js';
export { WATCH_MAX_BUFFERED_BYTES } from './watch-stream.js';
export type { DecodeFn } from './validate-write.js';
export type { PodLogSource } from './pod-log-handler.js';
export type { PodExecutor } from './pod-exec-handler.js';
export type { ClusterInfo, NodeJoin } from './node-join-handlers.js';
export type { PodTokenMinter } from './token-request-handler.js';
export type { Principal, NodeCredentialVerifier } from './request-auth.js';
export { nodeRestrictedStore } from './node-restriction.js';
