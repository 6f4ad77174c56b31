// Public surface of the policy engine: pure functions from a MeshState to decisions and snapshots.
export type { MeshState, WorkloadInstance } from './mesh-state.js';
export type { ModeDecision } from './mode-decision.js';
export type { ClientTlsInput } from './client-tls.js';
export type { MeshValues } from './mesh-defaults.js';
export type { ParsedMeshValues } from './mesh-values.js';
export { serverMode, serverModeIn } from './server-mode.js';
export { clientTls, clientTlsIn, serviceSans } from './client-tls.js';
export { destinationRuleFor, destinationRuleForHost, selectDestinationRule } from './destination-rule-for.js';
export type { DestinationRuleSelection, RuleLookupStep } from './destination-rule-for.js';
export { resolveHost } from './host-match.js';
export { mergeDestinationRules } from './merge-destination-rules.js';
export type { ChosenDestinationRule } from './merge-destination-rules.js';
export { resolveTls } from './resolve-tls.js';
export { buildProxySnapshot, buildAllSnapshots } from './proxy-snapshot.js';
export { SnapshotBuilder } from './snapshot-builder.js';
export { MeshIndex } from './mesh-index.js';
export { meshStateFromResources } from './mesh-state-from-resources.js';
export { workloadFromPod } from './workload-from-pod.js';
export { meshDefaults } from './mesh-defaults.js';
export { parseMeshValues, PROFILES } from './mesh-values.js';
export { serviceFqdn, spiffeIdFor, istioSni, portProtocol } from './names.js';
export type { EndpointExplanation, RouteExplanation, RuleExplanation } from './explain-route.js';
export { explainRoute, expectedOutcome, serviceForHost, workloadsNamed } from './explain-route.js';
export { ago, strictReadiness } from './strict-readiness.js';
export type {
  NameAddress,
  ObservedPeerRecord,
  ObservedPort,
  PeerArrival,
  PortReadiness,
  Verdict,
} from './strict-readiness.js';
export { REQUIRE_MTLS_LABEL } from './require-mtls.js';
export { ENFORCEMENT_ANNOTATION, SHADOW, isShadow } from './enforcement-annotation.js';
export { shadowModeIn } from './shadow-enforcement.js';
export { breakingChanges } from './breaking-changes.js';
export type { BrokenPair } from './breaking-changes.js';
export { observedBreaks, formatObservedBreak, windowText } from './observed-breaks.js';
export type { ObservedBreak, ServerPortTraffic, WorkloadOf, WriteStep } from './observed-breaks.js';
export { trafficEdges } from './traffic-edges.js';
export type { ClientSent, Edge, EdgeEnd, ServerPeer, Transport } from './traffic-edges.js';
