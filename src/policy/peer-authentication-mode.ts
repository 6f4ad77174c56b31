// PeerAuthentication resolution: mesh → namespace → workload → port, oldest wins per level,
// UNSET (or no mtls) inherits the level above, starting from PERMISSIVE.
import type { PeerAuthentication, PeerAuthenticationMode, ServerMode } from '../api/index.js';
import { labelsMatch } from './labels.js';
import type { MeshIndex } from './mesh-index.js';
import type { WorkloadInstance } from './mesh-state.js';
import type { ModeDecision } from './mode-decision.js';
import { refOf } from './oldest-first.js';

/**
 * The PeerAuthentication decision for (workload, port), or undefined when no PeerAuthentication
 * that selects the workload sets a mode (all absent or UNSET): then the v1alpha1 API decides.
 * Deliberate reading of "if both APIs apply": a PeerAuthentication that says nothing for this
 * port does not silence a Policy/MeshPolicy that does.
 */
export function peerAuthenticationMode(
  index: MeshIndex,
  workload: WorkloadInstance,
  port: number,
): ModeDecision | undefined {
  const root = index.settings.rootNamespace;
  const mesh = index.meshPeerAuthn[0];
  const namespace = workload.namespace === root ? undefined : index.nsPeerAuthn.get(workload.namespace)?.[0];
  const selected = index.workloadPeerAuthn
    .get(workload.namespace)
    ?.find((p) => labelsMatch(p.spec.selector?.matchLabels, workload.labels));

  let decided: { mode: ServerMode; policy: PeerAuthentication; level: string } | undefined;
  const levels: [PeerAuthentication | undefined, string][] = [
    [mesh, 'mesh level'],
    [namespace, 'namespace level'],
    [selected, 'workload level'],
  ];
  for (const [policy, level] of levels) {
    const mode = setMode(policy?.spec.mtls?.mode);
    if (policy !== undefined && mode !== undefined) decided = { mode, policy, level };
  }
  if (selected !== undefined) {
    const mode = setMode(selected.spec.portLevelMtls?.[String(port)]?.mode);
    if (mode !== undefined) decided = { mode, policy: selected, level: `port ${port}` };
  }
  if (decided === undefined) return undefined;
  const source = `PeerAuthentication ${refOf(decided.policy.metadata)}`;
  return { mode: decided.mode, source, reason: `${decided.mode} (${source}, ${decided.level})` };
}

function setMode(mode: PeerAuthenticationMode | undefined): ServerMode | undefined {
  return mode === undefined || mode === 'UNSET' ? undefined : mode;
}
