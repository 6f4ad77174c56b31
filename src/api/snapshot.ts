// The proxy snapshot: everything one sidecar needs, built by the policy engine, pushed by the
// control plane, consumed by the sidecar. It is the contract between those parts; change it in
// one place, here. A snapshot is plain JSON data: no functions, no Dates, deterministic order.

export type ServerMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** How a port's traffic is handled: HTTP/1.1 (XFCC, per-request routing), raw TCP, or sniffed. */
export type PortProtocol = 'http' | 'tcp' | 'auto';

export interface MeshSettings {
  /** values.global.mtls.auto */
  autoMtls: boolean;
  /** values.global.mtls.enabled */
  mtlsEnabled: boolean;
  trustDomain: string;
  rootNamespace: string;
  /** values.automesh.requireMtls: the default for clients without the automesh.io/require-mtls label. */
  requireMtls: boolean;
  /**
   * values.automesh.safeChanges: what apply, delete and install do with a write that would make
   * observed client → server traffic fail: `warn` (write it, with a warning per pair) or
   * `refuse` (write nothing unless --force). Read by the CLI only.
   */
  safeChanges: SafeChanges;
  /**
   * values.automesh.observationWindowSeconds: how far back sidecars count the peers they saw
   * (behaviour.md "Migration safety": 10 minutes by default).
   */
  observationWindowSeconds: number;
}

export type SafeChanges = 'warn' | 'refuse';

/**
 * What a sidecar is told of the mesh values: requireMtls is applied by the control plane, per
 * client; safeChanges concerns writes, not traffic.
 */
export type SnapshotMeshSettings = Omit<
  MeshSettings,
  'requireMtls' | 'safeChanges' | 'observationWindowSeconds'
> & {
  /** Present only when not the default (600), so snapshots of meshes that never set it stay as they were. */
  observationWindowSeconds?: number;
};

export const DEFAULT_OBSERVATION_WINDOW_SECONDS = 600;

export const DEFAULT_MESH_SETTINGS: Readonly<MeshSettings> = Object.freeze({
  autoMtls: true,
  mtlsEnabled: false,
  requireMtls: false,
  safeChanges: 'warn',
  observationWindowSeconds: 600,
  trustDomain: 'cluster.local',
  rootNamespace: 'istio-system',
});

/** The pod a snapshot is for. */
export interface ProxyIdentity {
  pod: string;
  namespace: string;
  serviceAccount: string;
  /** spiffe://<trust domain>/ns/<ns>/sa/<sa> */
  spiffeId: string;
  podIP: string;
}

/** One inbound listener: the sidecar listens on podIP:port and forwards to the app at the same port. */
export interface InboundListener {
  /** The workload (container) port. */
  port: number;
  protocol: PortProtocol;
  mode: ServerMode;
  /** Why this mode, for people: "STRICT (Policy full/httpbin, service httpbin port 8000)". */
  reason: string;
  /**
   * The mode the port would have with the policies annotated `automesh.io/enforcement: shadow`
   * enforced, present only when it differs from `mode`: the sidecar counts and logs every
   * connection that mode would have refused, and refuses none of them.
   */
  shadow?: {
    mode: ServerMode;
    /** The shadow policy that decided, e.g. `PeerAuthentication full/strict`. */
    source: string;
    reason: string;
  };
}

/** The TLS a client sidecar uses toward one endpoint. */
export type UpstreamTls =
  /**
   * Plaintext. `downgrade`: auto mTLS chose it (endpoint without a sidecar or DISABLE, auto off),
   * where a DestinationRule's DISABLE is a deliberate choice; the sidecar counts downgrades.
   */
  | { mode: 'DISABLE'; reason: string; downgrade?: true }
  /**
   * Nothing is sent: the client requires mTLS (label automesh.io/require-mtls or the mesh value)
   * and auto mTLS would have sent plaintext. The sidecar answers 503 with the reason instead.
   */
  | { mode: 'REFUSE'; reason: string }
  | {
      mode: 'ISTIO_MUTUAL';
      reason: string;
      sni: string;
      /** The server's URI SAN must be one of these; empty means chain check only. */
      sans: string[];
    }
  | {
      mode: 'SIMPLE';
      reason: string;
      sni?: string;
      sans: string[];
      caCertificates?: string;
      insecureSkipVerify?: boolean;
    }
  | {
      mode: 'MUTUAL';
      reason: string;
      sni?: string;
      sans: string[];
      caCertificates?: string;
      clientCertificate: string;
      privateKey: string;
      insecureSkipVerify?: boolean;
    };

export type UpstreamTlsMode = UpstreamTls['mode'];

export interface OutboundEndpoint {
  address: string;
  /** The workload port (the service port's target). */
  port: number;
  pod: string;
  namespace: string;
  hasSidecar: boolean;
  tls: UpstreamTls;
}

export interface OutboundPort {
  /** The service port clients address. */
  port: number;
  name?: string;
  protocol: PortProtocol;
  /** Ready endpoints only, in a stable order (the sidecar round-robins over them). */
  endpoints: OutboundEndpoint[];
}

export interface OutboundService {
  /** <name>.<ns>.svc.cluster.local */
  hostname: string;
  name: string;
  namespace: string;
  /** Every name that resolves to this service from this proxy (FQDN, name.ns, name.ns.svc, and the short name in the same namespace). */
  aliases: string[];
  ports: OutboundPort[];
}

export interface ProxySnapshot {
  /** Content hash of everything below: equal snapshots have equal versions. */
  version: string;
  proxy: ProxyIdentity;
  mesh: SnapshotMeshSettings;
  inbound: InboundListener[];
  outbound: OutboundService[];
}
