// The runtime's view of services and the pods behind them: it computes Endpoints objects (what
// Kubernetes' endpoints controller would write) and resolves service names for the plain service
// proxy, round robin over ready endpoints.

import type {
  ContainerPort,
  EndpointAddress,
  Endpoints,
  Labels,
  Service,
  ServicePort,
} from '../api/index.js';

/** What the table knows of a running pod. */
export interface PodView {
  namespace: string;
  name: string;
  uid?: string;
  labels: Labels;
  ip: string;
  ready: boolean;
  ports: ContainerPort[];
}

export type Resolution =
  | { ok: true; ip: string; port: number; service?: string }
  | { ok: false; status: 502 | 503; message: string };

export const CLUSTER_DOMAIN = 'svc.cluster.local';

function selects(selector: Labels | undefined, labels: Labels): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The container port a service port sends to on one pod; undefined when a named port is missing. */
export function targetPortOf(servicePort: ServicePort, pod: PodView): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  return pod.ports.find((p) => p.name === target)?.containerPort;
}

/** `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local` → {name, namespace}. */
export function parseServiceHost(
  host: string,
  fromNamespace: string,
): { name: string; namespace: string } | undefined {
  const lower = host.toLowerCase().replace(/\.$/, '');
  const parts = lower.split('.');
  const [name, ns, ...rest] = parts;
  if (name === undefined || name === '') return undefined;
  if (ns === undefined) return { name, namespace: fromNamespace };
  const suffix = rest.join('.');
  if (suffix === '' || suffix === 'svc' || suffix === CLUSTER_DOMAIN) return { name, namespace: ns };
  return undefined;
}

export class ServiceTable {
  private services = new Map<string, Service>();
  private pods = new Map<string, PodView>();
  private readonly turns = new Map<string, number>();

  setServices(services: readonly Service[]): void {
    this.services = new Map(
      services.map((s) => [`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`, s]),
    );
  }

  setPods(pods: readonly PodView[]): void {
    this.pods = new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  }

  allServices(): Service[] {
    return [...this.services.values()];
  }

  selectedPods(service: Service): PodView[] {
    const ns = service.metadata.namespace ?? 'default';
    return [...this.pods.values()]
      .filter((p) => p.namespace === ns && selects(service.spec.selector, p.labels))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The Endpoints object for a service, as Kubernetes' endpoints controller builds it. */
  endpointsFor(service: Service): Endpoints {
    const pods = this.selectedPods(service);
    const address = (p: PodView): EndpointAddress => ({
      ip: p.ip,
      targetRef: {
        kind: 'Pod',
        name: p.name,
        namespace: p.namespace,
        ...(p.uid !== undefined ? { uid: p.uid } : {}),
      },
    });
    const ready = pods.filter((p) => p.ready).map(address);
    const notReady = pods.filter((p) => !p.ready).map(address);
    const ports = service.spec.ports.flatMap((sp) => {
      const port = pods.map((p) => targetPortOf(sp, p)).find((n) => n !== undefined);
      return port === undefined
        ? []
        : [{ ...(sp.name !== undefined ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP' }];
    });
    const subsets =
      pods.length === 0 || ports.length === 0
        ? []
        : [
            {
              ...(ready.length > 0 ? { addresses: ready } : {}),
              ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}),
              ports,
            },
          ];
    return {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: service.metadata.name,
        namespace: service.metadata.namespace ?? 'default',
        ...(service.metadata.labels !== undefined ? { labels: service.metadata.labels } : {}),
      },
      subsets,
    };
  }

  /** Picks the next ready endpoint of the service `host` names, seen from a pod in `fromNamespace`. */
  resolve(fromNamespace: string, host: string, port: number): Resolution {
    const direct = [...this.pods.values()].find((p) => p.ip === host);
    if (direct !== undefined) return { ok: true, ip: direct.ip, port };
    const parsed = parseServiceHost(host, fromNamespace);
    const service = parsed && this.services.get(`${parsed.namespace}/${parsed.name}`);
    if (parsed === undefined || service === undefined) {
      return {
        ok: false,
        status: 502,
        message: `no service "${host}" seen from namespace "${fromNamespace}"`,
      };
    }
    const servicePort = service.spec.ports.find((p) => p.port === port);
    if (servicePort === undefined) {
      return { ok: false, status: 502, message: `service "${host}" has no port ${port}` };
    }
    const candidates = this.selectedPods(service).filter(
      (p) => p.ready && targetPortOf(servicePort, p) !== undefined,
    );
    if (candidates.length === 0) return { ok: false, status: 503, message: 'no healthy upstream' };
    const key = `${parsed.namespace}/${parsed.name}:${port}`;
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    const pod = candidates[turn % candidates.length]!;
    return { ok: true, ip: pod.ip, port: targetPortOf(servicePort, pod)!, service: key };
  }
}
