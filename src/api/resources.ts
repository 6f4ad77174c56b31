// Typed resources: the Kubernetes and Istio kinds automesh reads. These are the shapes after
// decoding and validation (see decode.ts / validate.ts); every other module works with them.

export type Labels = Record<string, string>;

export interface ObjectMeta {
  name: string;
  /** Absent for cluster-scoped kinds (Namespace, MeshPolicy). */
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  /** Maintained by the API server. */
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  /** RFC 3339, maintained by the API server; "oldest wins" rules order by it. */
  creationTimestamp?: string;
  generateName?: string;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  /** Accepted as Kubernetes has them; automesh does not act on them. */
  finalizers?: string[];
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  selfLink?: string;
  managedFields?: Record<string, unknown>[];
}

export interface LabelSelector {
  matchLabels?: Labels;
}

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: { phase?: string };
}

export interface ServiceAccount {
  apiVersion: 'v1';
  kind: 'ServiceAccount';
  metadata: ObjectMeta;
}

export interface ServicePort {
  name?: string;
  port: number;
  /** Number or the name of a container port; defaults to `port`. */
  targetPort?: number | string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  appProtocol?: string;
  nodePort?: number;
}

export interface Service {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ObjectMeta;
  spec: {
    selector?: Labels;
    ports: ServicePort[];
    type?: string;
    clusterIP?: string;
  };
}

export interface ContainerPort {
  containerPort: number;
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

export interface EnvVar {
  name: string;
  value?: string;
  /** Kept as written (fieldRef, secretKeyRef, ...): injected sidecars use `fieldRef`. */
  valueFrom?: Record<string, unknown>;
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
  env?: EnvVar[];
  /** Kept as written; the runtime honours what it understands. */
  readinessProbe?: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  resources?: Record<string, unknown>;
  volumeMounts?: Record<string, unknown>[];
  securityContext?: Record<string, unknown>;
}

export interface PodSpec {
  serviceAccountName?: string;
  serviceAccount?: string;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Record<string, unknown>[];
  terminationGracePeriodSeconds?: number;
  /** The node that runs the pod: set by the scheduler, or written by the user to pin it. */
  nodeName?: string;
  /** Labels a node must carry for the scheduler to place the pod there. */
  nodeSelector?: Labels;
}

export interface PodTemplate {
  metadata?: { labels?: Labels; annotations?: Record<string, string>; name?: string };
  spec: PodSpec;
}

export interface Deployment {
  apiVersion: 'apps/v1' | 'extensions/v1beta1';
  kind: 'Deployment';
  metadata: ObjectMeta;
  spec: {
    replicas?: number;
    /** Required by apps/v1; extensions/v1beta1 defaults it from the template labels. */
    selector?: LabelSelector;
    template: PodTemplate;
    strategy?: Record<string, unknown>;
  };
  status?: {
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
  };
}

export interface PodCondition {
  type: 'Ready' | 'ContainersReady' | 'Initialized' | 'PodScheduled';
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state: Record<string, unknown>;
  image?: string;
}

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: {
    phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
    podIP?: string;
    hostIP?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    startTime?: string;
  };
}

export interface EndpointAddress {
  ip: string;
  /** The node the endpoint's pod runs on. */
  nodeName?: string;
  targetRef?: { kind: 'Pod'; name: string; namespace: string; uid?: string };
}

export interface Endpoints {
  apiVersion: 'v1';
  kind: 'Endpoints';
  metadata: ObjectMeta;
  subsets?: {
    addresses?: EndpointAddress[];
    notReadyAddresses?: EndpointAddress[];
    ports?: { name?: string; port: number; protocol?: string }[];
  }[];
}

export type NodeConditionStatus = 'True' | 'False' | 'Unknown';

export interface NodeCondition {
  type: string;
  status: NodeConditionStatus;
  reason?: string;
  message?: string;
  /** When the node agent last wrote this condition: its heartbeat. */
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeAddress {
  type: 'InternalIP' | 'ExternalIP' | 'Hostname' | 'InternalDNS' | 'ExternalDNS';
  address: string;
}

/** A machine that runs pods (cluster-scoped). Its node agent registers it and heartbeats. */
export interface Node {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: ObjectMeta;
  spec?: {
    /** The range the node's pod addresses come from (`127.B.0.0/16`). */
    podCIDR?: string;
    podCIDRs?: string[];
    unschedulable?: boolean;
    providerID?: string;
    taints?: Record<string, unknown>[];
  };
  status?: {
    addresses?: NodeAddress[];
    conditions?: NodeCondition[];
    nodeInfo?: {
      kubeletVersion?: string;
      operatingSystem?: string;
      architecture?: string;
      osImage?: string;
      kernelVersion?: string;
      containerRuntimeVersion?: string;
    };
    capacity?: Record<string, string>;
    allocatable?: Record<string, string>;
  };
}

/** The control plane keeps mesh values (install `--set`) in one of these. */
export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

// ---- security.istio.io PeerAuthentication (v1beta1, v1) ----

export type PeerAuthenticationMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

export interface PeerAuthentication {
  apiVersion: 'security.istio.io/v1beta1' | 'security.istio.io/v1';
  kind: 'PeerAuthentication';
  metadata: ObjectMeta;
  spec: {
    selector?: LabelSelector;
    mtls?: { mode?: PeerAuthenticationMode };
    /** Keys are workload (container) port numbers, as strings in YAML. */
    portLevelMtls?: Record<string, { mode?: PeerAuthenticationMode }>;
  };
}

// ---- authentication.istio.io/v1alpha1 Policy and MeshPolicy ----

export interface PortSelector {
  number?: number;
  name?: string;
}

export interface TargetSelector {
  name: string;
  ports?: PortSelector[];
  labels?: Labels;
}

/** `mtls: {}` and `mtls: null` both mean STRICT; kept as written (null or an object). */
export interface PeerAuthenticationMethod {
  mtls?: { mode?: 'STRICT' | 'PERMISSIVE'; allowTls?: boolean } | null;
  jwt?: Record<string, unknown>;
}

export interface AuthenticationPolicySpec {
  targets?: TargetSelector[];
  peers?: PeerAuthenticationMethod[];
  peerIsOptional?: boolean;
  origins?: Record<string, unknown>[];
  originIsOptional?: boolean;
  principalBinding?: 'USE_PEER' | 'USE_ORIGIN';
}

export interface AuthenticationPolicy {
  apiVersion: 'authentication.istio.io/v1alpha1';
  kind: 'Policy';
  metadata: ObjectMeta;
  spec: AuthenticationPolicySpec;
}

export interface MeshPolicy {
  apiVersion: 'authentication.istio.io/v1alpha1';
  kind: 'MeshPolicy';
  metadata: ObjectMeta;
  spec: AuthenticationPolicySpec;
}

// ---- networking.istio.io DestinationRule (v1alpha3, v1beta1, v1) ----

export type ClientTlsMode = 'DISABLE' | 'SIMPLE' | 'MUTUAL' | 'ISTIO_MUTUAL';

export interface ClientTlsSettings {
  mode: ClientTlsMode;
  clientCertificate?: string;
  privateKey?: string;
  caCertificates?: string;
  credentialName?: string;
  subjectAltNames?: string[];
  sni?: string;
  insecureSkipVerify?: boolean;
}

export interface TrafficPolicy {
  tls?: ClientTlsSettings;
  connectionPool?: Record<string, unknown>;
  loadBalancer?: Record<string, unknown>;
  outlierDetection?: Record<string, unknown>;
  portLevelSettings?: {
    port: { number: number };
    tls?: ClientTlsSettings;
    connectionPool?: Record<string, unknown>;
    loadBalancer?: Record<string, unknown>;
    outlierDetection?: Record<string, unknown>;
  }[];
}

export interface Subset {
  name: string;
  labels?: Labels;
  trafficPolicy?: TrafficPolicy;
}

export interface DestinationRule {
  apiVersion: 'networking.istio.io/v1alpha3' | 'networking.istio.io/v1beta1' | 'networking.istio.io/v1';
  kind: 'DestinationRule';
  metadata: ObjectMeta;
  spec: {
    host: string;
    trafficPolicy?: TrafficPolicy;
    subsets?: Subset[];
    exportTo?: string[];
  };
}

export type Resource =
  | Namespace
  | Node
  | ServiceAccount
  | Service
  | Pod
  | Endpoints
  | ConfigMap
  | Deployment
  | PeerAuthentication
  | AuthenticationPolicy
  | MeshPolicy
  | DestinationRule;

export type ResourceKind = Resource['kind'];
