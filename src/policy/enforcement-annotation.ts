// `automesh.io/enforcement: shadow` on a PeerAuthentication or v1alpha1 Policy / MeshPolicy: the
// policy is rehearsed, not enforced (shadow-enforcement.ts). Only the value `shadow` counts: a
// typo enforces, which is the state the policy was written for.

export const ENFORCEMENT_ANNOTATION = 'automesh.io/enforcement';
export const SHADOW = 'shadow';

export function isShadow(resource: { metadata: { annotations?: Record<string, string> } }): boolean {
  return resource.metadata.annotations?.[ENFORCEMENT_ANNOTATION] === SHADOW;
}
