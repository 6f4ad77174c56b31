import type { ServerMode } from '../api/index.js';

/** A server port's effective mode and why. */
export interface ModeDecision {
  mode: ServerMode;
  /** The object that decided, e.g. `Policy full/httpbin`, `MeshPolicy default`, or `none`. */
  source: string;
  /** For people: `STRICT (Policy full/httpbin targets service httpbin)`. */
  reason: string;
}
