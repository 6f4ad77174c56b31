// Public surface of the api module: resource types, the proxy snapshot contract, decoding and validation.
export type * from './resources.js';
export type * from './snapshot.js';
export { DEFAULT_MESH_SETTINGS } from './snapshot.js';
