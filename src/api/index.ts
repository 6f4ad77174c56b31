// Public surface of the api module: resource types, the proxy snapshot contract, decoding and validation.
export type * from './resources.js';
export type * from './snapshot.js';
export { DEFAULT_MESH_SETTINGS, DEFAULT_OBSERVATION_WINDOW_SECONDS } from './snapshot.js';
export type { KindInfo, GroupVersion, ResourcePathOptions } from './kinds.js';
export {
  KINDS,
  SUPPORTED_KINDS,
  findKind,
  kindInfo,
  kindForApiVersion,
  kindForResource,
  groupsOf,
  kindsAt,
  servedGroups,
  parseApiVersion,
  resourcePath,
} from './kinds.js';
export type { Problem, Issue, PathSegment } from './problem.js';
export { formatProblem, formatPath } from './problem.js';
export type { DecodeResult } from './decode.js';
export { decodeManifests, decodeObject } from './decode.js';
export type { Validation } from './validate.js';
export { validateResource } from './validate.js';
export { nameError, type NameRule } from './schemas/common.js';
export { namespaceOf, namespacedName, DEFAULT_NAMESPACE } from './object-namespace.js';
export { openApiSchemaOf, openApiSchemaName } from './openapi-schema.js';
export {
  applyDefaults,
  DEFAULT_REPLICAS,
  DEFAULT_SERVICE_ACCOUNT,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
} from './defaults.js';
export {
  runsSidecar,
  peersUseMeshMtls,
  SIDECAR_CONTAINER_NAME,
  TLS_MODE_LABEL,
  SIDECAR_STATUS_ANNOTATION,
} from './sidecar-presence.js';
export type { PodShape } from './sidecar-presence.js';
export {
  injectSidecar,
  sidecarContainer,
  SIDECAR_IMAGE,
  INJECT_ANNOTATION,
  SIDECAR_OUTBOUND_PORT,
  SIDECAR_ADMIN_PORT,
} from './inject-sidecar.js';
export { labelsMatch, hasSelector, serviceSelects } from './labels.js';
export type { EndpointPod } from './service-endpoints.js';
export { endpointPodOf, endpointsFor, podIsReady, selectedPods, targetPortOf } from './service-endpoints.js';
export { stableJson } from './stable-json.js';
export { nodeReadyCondition, nodeIsReady, NODE_HOSTNAME_LABEL } from './node-readiness.js';
