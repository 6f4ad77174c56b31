// Public surface of the control plane module.
export * from './ca/index.js';
export * from './cluster-secrets/index.js';
export * from './apiserver/index.js';
export * from './client/index.js';
export * from './registry/index.js';
export * from './discovery/index.js';
export type { ListenerLimits } from './listener-limits.js';
export { CA_LISTENER_LIMITS, DISCOVERY_LISTENER_LIMITS, API_LISTENER_LIMITS } from './listener-limits.js';
export {
  startControlPlane,
  CONTROL_PLANE_FILE,
  MESH_ROOT_FILE,
  POD_TOKEN_TTL_SECONDS,
  type ControlPlane,
  type ControlPlaneEndpoints,
  type ControlPlaneOptions,
} from './control-plane.js';
export * from './controllers/index.js';
export { certificateServiceClient, discoveryService } from './grpc-services.js';
export { encodeReplicaEndpoints, liveReplicaEndpoints, type ReplicaEndpoints } from './replica-endpoints.js';
