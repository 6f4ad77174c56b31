// The policy engine's input: everything it needs to know about the mesh at one moment.
// Built by the control plane from the store (and by `automesh x explain` from YAML files).

import type {
  AuthenticationPolicy,
  ContainerPort,
  DestinationRule,
  Labels,
  MeshPolicy,
  MeshSettings,
  Namespace,
  PeerAuthentication,
  Service,
} from '../api/index.js';

/** A running pod as the policy engine sees it. */
export interface WorkloadInstance {
  name: string;
  namespace: string;
  uid: string;
  labels: Labels;
  serviceAccount: string;
  /** The pod IP. */
  address: string;
  /** Carries `security.istio.io/tlsMode: istio` (set by injection). */
  hasSidecar: boolean;
  ready: boolean;
  ports: ContainerPort[];
}

export interface MeshState {
  settings: MeshSettings;
  namespaces: Namespace[];
  services: Service[];
  workloads: WorkloadInstance[];
  peerAuthentications: PeerAuthentication[];
  policies: AuthenticationPolicy[];
  meshPolicies: MeshPolicy[];
  destinationRules: DestinationRule[];
}
