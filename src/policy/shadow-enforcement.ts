// Shadow enforcement (behaviour.md "Migration safety"): a PeerAuthentication or v1alpha1 Policy /
// MeshPolicy annotated `automesh.io/enforcement: shadow` is left out when a port's mode is
// computed (MeshIndex leaves it out), so it changes nothing on the wire; the server sidecar is
// also told the mode the port would have with it, and counts every connection that mode would
// have refused. Removing the annotation makes the policy enforce, like any other change.
import type { MeshIndex } from './mesh-index.js';
import type { WorkloadInstance } from './mesh-state.js';
import type { ModeDecision } from './mode-decision.js';
import { serverModeIn } from './server-mode.js';

/**
 * The mode `port` on `workload` would have with the shadow policies enforced, when that differs
 * from the mode in force; undefined when no shadow policy changes it. Its reason names the policy.
 */
export function shadowModeIn(
  index: MeshIndex,
  workload: WorkloadInstance,
  port: number,
): ModeDecision | undefined {
  const shadow = index.withShadow();
  if (shadow === undefined) return undefined;
  const enforced = serverModeIn(index, workload, port);
  // Both indexes are built from one state, so they hold the same workload objects.
  const rehearsed = serverModeIn(shadow, workload, port);
  return rehearsed.mode === enforced.mode ? undefined : rehearsed;
}
