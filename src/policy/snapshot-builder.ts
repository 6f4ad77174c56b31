// Builds proxy snapshots from one MeshState. Everything a proxy's outbound side depends on is its
// namespace (DestinationRule choice, short-name alias) and whether it has a sidecar, so outbound
// config is computed, and hashed, once per (namespace, sidecar) and shared by every proxy there.
// Snapshots are plain data and must be treated as immutable: proxies of one namespace share arrays.
import { createHash } from 'node:crypto';
import type {
  InboundListener,
  SnapshotMeshSettings,
  OutboundEndpoint,
  OutboundPort,
  OutboundService,
  PortProtocol,
  ProxySnapshot,
  Service,
  ServicePort,
} from '../api/index.js';
import { DEFAULT_OBSERVATION_WINDOW_SECONDS } from '../api/index.js';
import { clientTlsIn } from './client-tls.js';
import { destinationRuleFor } from './destination-rule-for.js';
import { MeshIndex, keyOf } from './mesh-index.js';
import type { ChosenDestinationRule } from './merge-destination-rules.js';
import type { MeshState, WorkloadInstance } from './mesh-state.js';
import { fqdnOf, portProtocol, serviceNamespace, spiffeIdFor } from './names.js';
import { targetPortOf } from '../api/index.js';
import { requireMtlsFor } from './require-mtls.js';
import { serverModeIn } from './server-mode.js';
import { shadowModeIn } from './shadow-enforcement.js';

/** Hex characters kept from the SHA-256 content hash for a snapshot version. */
export const SNAPSHOT_VERSION_HEX_CHARS = 16;

interface Outbound {
  services: OutboundService[];
  hash: string;
}

interface OutboundEntry {
  service: OutboundService;
  hash: string;
}

export class SnapshotBuilder {
  readonly index: MeshIndex;
  private readonly outboundMemo = new Map<string, Outbound>();
  /** service → chosen rule → [variant: same namespace × sidecar] → entry. */
  private readonly entryMemo = new Map<
    Service,
    Map<ChosenDestinationRule | null, (OutboundEntry | undefined)[]>
  >();
  private readonly neutralWithSidecar = new Map<Service, OutboundEntry>();
  private readonly neutralWithout = new Map<Service, OutboundEntry>();
  private readonly neutralRequiringMtls = new Map<Service, OutboundEntry>();

  constructor(state: MeshState) {
    this.index = new MeshIndex(state);
  }

  /** The snapshot for one pod, or undefined when the pod is unknown. */
  snapshot(pod: { namespace: string; name: string }): ProxySnapshot | undefined {
    const workload = this.index.workload(pod.namespace, pod.name);
    return workload === undefined ? undefined : this.build(workload);
  }

  /** Snapshots for every pod that runs a sidecar, keyed `ns/name`, in namespace/name order. */
  all(): Map<string, ProxySnapshot> {
    const out = new Map<string, ProxySnapshot>();
    for (const workloads of [...this.index.workloadsByNs.values()]) {
      for (const workload of workloads)
        if (workload.runsSidecar) out.set(keyOf(workload), this.build(workload));
    }
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private build(workload: WorkloadInstance): ProxySnapshot {
    const settings = this.index.settings;
    const proxy = {
      pod: workload.name,
      namespace: workload.namespace,
      serviceAccount: workload.serviceAccount,
      spiffeId: spiffeIdFor(settings.trustDomain, workload.namespace, workload.serviceAccount),
      podIP: workload.address,
    };
    const mesh: SnapshotMeshSettings = {
      autoMtls: settings.autoMtls,
      mtlsEnabled: settings.mtlsEnabled,
      trustDomain: settings.trustDomain,
      rootNamespace: settings.rootNamespace,
      ...(settings.observationWindowSeconds === DEFAULT_OBSERVATION_WINDOW_SECONDS
        ? {}
        : { observationWindowSeconds: settings.observationWindowSeconds }),
    };
    const inbound = this.inbound(workload);
    const outbound = this.outbound(workload);
    const version = createHash('sha256')
      .update(JSON.stringify({ proxy, mesh, inbound }))
      .update(outbound.hash)
      .digest('hex')
      .slice(0, SNAPSHOT_VERSION_HEX_CHARS);
    return { version, proxy, mesh, inbound, outbound: outbound.services };
  }

  private inbound(workload: WorkloadInstance): InboundListener[] {
    const ports = [...new Set(workload.ports.map((p) => p.containerPort))].sort((a, b) => a - b);
    return ports.map((port) => {
      const decision = serverModeIn(this.index, workload, port);
      const shadow = shadowModeIn(this.index, workload, port);
      return {
        port,
        protocol: this.inboundProtocol(workload, port),
        mode: decision.mode,
        reason: decision.reason,
        ...(shadow === undefined
          ? {}
          : { shadow: { mode: shadow.mode, source: shadow.source, reason: shadow.reason } }),
      };
    });
  }

  /** The first declared protocol among the service ports that reach this workload port. */
  private inboundProtocol(workload: WorkloadInstance, port: number): PortProtocol {
    for (const service of this.index.workloadServices(workload)) {
      for (const servicePort of service.spec.ports) {
        if (targetPortOf(servicePort, workload) !== port) continue;
        const protocol = portProtocol(servicePort);
        if (protocol !== 'auto') return protocol;
      }
    }
    return 'auto';
  }

  private outbound(client: WorkloadInstance): Outbound {
    const requiresMtls = this.requiresMtls(client);
    const key = `${client.namespace}|${client.runsSidecar}|${requiresMtls}`;
    let outbound = this.outboundMemo.get(key);
    if (outbound === undefined) {
      const entries = this.index.services.map((s) => this.outboundEntry(client, s, requiresMtls));
      const hash = createHash('sha256');
      for (const entry of entries) hash.update(entry.hash);
      outbound = { services: entries.map((e) => e.service), hash: hash.digest('hex') };
      this.outboundMemo.set(key, outbound);
    }
    return outbound;
  }

  /**
   * One service as a client sees it. It depends on the client only through the DestinationRule
   * it picks, whether it shares the service's namespace (short-name alias), whether it has a
   * sidecar and whether it requires mTLS, so entries are shared by every namespace where those
   * agree, and hashed once.
   */
  private outboundEntry(client: WorkloadInstance, service: Service, requiresMtls: boolean): OutboundEntry {
    const sameNamespace = serviceNamespace(service) === client.namespace;
    // Fast path, most (namespace, service) pairs: the client's namespace has no rules and the
    // rules that could apply are exported to everyone, so the entry is the same for all of them.
    const neutral = !sameNamespace && this.index.clientNeutralRules(client.namespace, service);
    const neutralMemo = !client.runsSidecar
      ? this.neutralWithout
      : requiresMtls
        ? this.neutralRequiringMtls
        : this.neutralWithSidecar;
    if (neutral) {
      const found = neutralMemo.get(service);
      if (found !== undefined) return found;
    }
    const rule = destinationRuleFor(this.index, client.namespace, service) ?? null;
    let perService = this.entryMemo.get(service);
    if (perService === undefined) {
      perService = new Map();
      this.entryMemo.set(service, perService);
    }
    const variant = (requiresMtls ? 4 : 0) + (sameNamespace ? 2 : 0) + (client.runsSidecar ? 1 : 0);
    let perRule = perService.get(rule);
    if (perRule === undefined) {
      perRule = [];
      perService.set(rule, perRule);
    }
    let entry = perRule[variant];
    if (entry === undefined) {
      const built = this.outboundService(client, service);
      entry = { service: built, hash: createHash('sha256').update(JSON.stringify(built)).digest('hex') };
      perRule[variant] = entry;
    }
    if (neutral) neutralMemo.set(service, entry);
    return entry;
  }

  /** Require-mTLS changes a client's entries (REFUSE for plaintext endpoints), so it keys the memos. */
  private requiresMtls(client: WorkloadInstance): boolean {
    return client.runsSidecar && requireMtlsFor(this.index, client).required;
  }

  private outboundService(client: WorkloadInstance, service: Service): OutboundService {
    const name = service.metadata.name;
    const ns = serviceNamespace(service);
    const aliases = [fqdnOf(service), `${name}.${ns}.svc`, `${name}.${ns}`];
    if (ns === client.namespace) aliases.push(name);
    const ports = [...service.spec.ports]
      .sort((a, b) => a.port - b.port)
      .map((p) => this.outboundPort(client, service, p));
    return { hostname: fqdnOf(service), name, namespace: ns, aliases, ports };
  }

  private outboundPort(client: WorkloadInstance, service: Service, servicePort: ServicePort): OutboundPort {
    const endpoints: OutboundEndpoint[] = [];
    for (const endpoint of this.index.serviceWorkloads(service)) {
      const port = targetPortOf(servicePort, endpoint);
      if (!endpoint.ready || endpoint.address === '' || port === undefined) continue;
      endpoints.push({
        address: endpoint.address,
        port,
        pod: endpoint.name,
        namespace: endpoint.namespace,
        hasSidecar: endpoint.hasSidecar,
        tls: clientTlsIn(this.index, { client, service, servicePort, endpoint }),
      });
    }
    const out: OutboundPort = { port: servicePort.port, protocol: portProtocol(servicePort), endpoints };
    if (servicePort.name !== undefined) out.name = servicePort.name;
    return out;
  }
}
