// The effective mode of a server port (workload, workload port), from PeerAuthentication
// (security.istio.io) or, when none applies, the v1alpha1 Policy / MeshPolicy the seed uses.
// See shared/spec/behaviour.md "The server's mode for (workload, workload port)".
import type { ServerMode } from '../api/index.js';
import { alphaPolicyMode } from './alpha-policy-mode.js';
import { MeshIndex, keyOf } from './mesh-index.js';
import type { MeshState, WorkloadInstance } from './mesh-state.js';
import type { ModeDecision } from './mode-decision.js';
import { peerAuthenticationMode } from './peer-authentication-mode.js';

/** The mode of `port` on `workload`, with the policy that set it. */
export function serverMode(state: MeshState, workload: WorkloadInstance, port: number): ModeDecision {
  return serverModeIn(new MeshIndex(state), workload, port);
}

/** As serverMode, over a prebuilt index; memoized per (workload, port) for the index's lifetime. */
export function serverModeIn(index: MeshIndex, workload: WorkloadInstance, port: number): ModeDecision {
  const key = `${keyOf(workload)}:${port}`;
  let decision = index.modeMemo.get(key);
  if (decision === undefined) {
    // PeerAuthentication wins over the v1alpha1 API whenever it says anything for this port.
    decision = peerAuthenticationMode(index, workload, port) ?? alphaPolicyMode(index, workload, port);
    index.modeMemo.set(key, decision);
  }
  return decision;
}

/** `MODE (why)`, the one format every mode reason uses. */
export function modeReason(mode: ServerMode, why: string): string {
  return `${mode} (${why})`;
}
