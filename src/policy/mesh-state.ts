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
  /**
   * Clients' auto mTLS sends this pod mesh mTLS (api's peersUseMeshMtls: the tlsMode label, else
   * injection). What the pod's peers see; its own behaviour follows `runsSidecar`.
   */
  hasSidecar: boolean;
  /** The pod has the sidecar container (api's runsSidecar): it gets a snapshot, enforces inbound. */
  runsSidecar: boolean;
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
