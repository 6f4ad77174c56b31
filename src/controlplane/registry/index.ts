// Public surface of the registry: the MeshState the control plane builds from the store.
export type { MeshStateSource } from './mesh-state-source.js';
export type { MeshRegistryOptions } from './mesh-registry.js';
export { MeshRegistry } from './mesh-registry.js';
export type { WorkloadFromPod } from './build-mesh-state.js';
export { MESH_KINDS, buildMeshState } from './build-mesh-state.js';
export {
  AUTO_MTLS_KEY,
  MTLS_ENABLED_KEY,
  MESH_VALUES_CONFIGMAP_NAME,
  meshSettingsFromValues,
} from './mesh-values.js';
