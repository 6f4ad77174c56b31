// What the node agent needs from the control plane: read and watch Pods, Services and its Node,
// write its Node and its pods' status. The same structural subset of the store's ConfigStore the
// controllers use, so the store (in `up`) or a client of the API server (on another host) fits.

export type { ResourceBackend as RuntimeBackend, BackendWatchEvent } from '../controlplane/index.js';
