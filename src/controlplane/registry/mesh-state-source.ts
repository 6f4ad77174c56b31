// What discovery needs from a registry: the current MeshState and word of changes. An interface
// so that a registry reading a real Kubernetes API can stand in for the store-backed one later.

import type { MeshState } from '../../policy/index.js';

export type Unsubscribe = () => void;

export interface MeshStateSource {
  /** The mesh as of `revision()`; the same object until something changes (callers must not mutate it). */
  state(): MeshState;
  /** The store revision the state reflects (the last event seen, of any kind). */
  revision(): number;
  /** The store's latest committed revision: wait for `revision()` to reach it to see every write so far. */
  latestRevision(): number;
  /** Called after each change that may alter a snapshot (not for kinds the mesh ignores). */
  onChange(listener: () => void): Unsubscribe;
  /** Called whenever `revision()` moves, relevant or not. */
  onRevision(listener: (revision: number) => void): Unsubscribe;
}
