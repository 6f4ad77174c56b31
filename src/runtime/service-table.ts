// The node agent's view of services and the pods behind them (on every node): it resolves service
// names for the plain service proxy, round robin over ready endpoints, picking pods and ports as
// the Endpoints controller does (api's service-endpoints).

import { selectedPods, targetPortOf, namespacedName } from '../api/index.js';
import type { EndpointPod, Service } from '../api/index.js';

/** What the table knows of a pod (the api's endpoint view of it). */
export type PodView = EndpointPod;

export type Resolution =
  | { ok: true; ip: string; port: number; service?: string }
  | { ok: false; status: 502 | 503; message: string };

export const CLUSTER_DOMAIN = 'svc.cluster.local';

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
    this.services = new Map(services.map((s) => [namespacedName(s), s]));
  }

  setPods(pods: readonly PodView[]): void {
    this.pods = new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p]));
  }

  allServices(): Service[] {
    return [...this.services.values()];
  }

  selectedPods(service: Service): PodView[] {
    return selectedPods(service, this.pods.values());
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
