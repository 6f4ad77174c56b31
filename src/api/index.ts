// Public surface of the api module: resource types, the proxy snapshot contract, decoding and validation.
export type * from './resources.js';
export type * from './snapshot.js';
export { DEFAULT_MESH_SETTINGS } from './snapshot.js';
export type { KindInfo, GroupVersion, ResourcePathOptions } from './kinds.js';
export {
  KINDS,
  SUPPORTED_KINDS,
  findKind,
  kindInfo,
  kindForApiVersion,
  kindForResource,
  groupsOf,
  parseApiVersion,
  resourcePath,
} from './kinds.js';
