// Public surface of the control plane module.
export * from './ca/index.js';
export * from './apiserver/index.js';
export * from './client/index.js';
