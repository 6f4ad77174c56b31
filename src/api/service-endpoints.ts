// Which pods a Service sends to and the Endpoints object that lists them, as Kubernetes' endpoints
// controller builds it: pods the selector picks in the Service's namespace, Ready ones under
// `addresses`, the others under `notReadyAddresses`, the ports resolved per Service port (a named
// target port through the pods' container ports). Pure; the control plane's Endpoints controller
// writes what this returns, and the runtime's plain service proxy picks among the same pods.
import { namespaceOf } from './object-namespace.js';
import { serviceSelects } from './labels.js';
import type {
  ContainerPort,
  EndpointAddress,
  Endpoints,
  Labels,
  Pod,
  Service,
  ServicePort,
} from './resources.js';

/** What the endpoints need to know of one pod. */
export interface EndpointPod {
  namespace: string;
  name: string;
  uid?: string;
  labels: Labels;
  ip: string;
  ready: boolean;
  ports: ContainerPort[];
  nodeName?: string;
}

/** The Ready condition of a pod as stored. */
export function podIsReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** A stored pod as an endpoint; undefined while it has no address yet. */
export function endpointPodOf(pod: Pod): EndpointPod | undefined {
  const ip = pod.status?.podIP;
  if (ip === undefined || ip === '') return undefined;
  return {
    namespace: namespaceOf(pod),
    name: pod.metadata.name,
    ...(pod.metadata.uid !== undefined ? { uid: pod.metadata.uid } : {}),
    labels: pod.metadata.labels ?? {},
    ip,
    ready: podIsReady(pod),
    ports: pod.spec.containers.flatMap((c) => c.ports ?? []),
    ...(pod.spec.nodeName !== undefined ? { nodeName: pod.spec.nodeName } : {}),
  };
}

/**
 * The container port a service port sends to on one pod: the number, or the container port
 * carrying that name, or the service port itself when no targetPort is given. Undefined when a
 * named target port does not exist on the pod (Kubernetes leaves such pods out of Endpoints).
 * The one resolution: the Endpoints controller, the runtime's service proxy and the policy engine
 * (its workloads have the same `ports`) all ask here.
 */
export function targetPortOf(
  servicePort: ServicePort,
  pod: { ports: readonly Pick<ContainerPort, 'name' | 'containerPort'>[] },
): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  return pod.ports.find((p) => p.name === target)?.containerPort;
}

/** The pods a Service selects, by name. */
export function selectedPods(service: Service, pods: Iterable<EndpointPod>): EndpointPod[] {
  const ns = namespaceOf(service);
  return [...pods]
    .filter((p) => p.namespace === ns && serviceSelects(service.spec.selector, p.labels))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The Endpoints object for a Service, as Kubernetes' endpoints controller builds it. */
export function endpointsFor(service: Service, pods: Iterable<EndpointPod>): Endpoints {
  const selected = selectedPods(service, pods);
  const address = (p: EndpointPod): EndpointAddress => ({
    ip: p.ip,
    ...(p.nodeName !== undefined ? { nodeName: p.nodeName } : {}),
    targetRef: {
      kind: 'Pod',
      name: p.name,
      namespace: p.namespace,
      ...(p.uid !== undefined ? { uid: p.uid } : {}),
    },
  });
  const ready = selected.filter((p) => p.ready).map(address);
  const notReady = selected.filter((p) => !p.ready).map(address);
  const ports = service.spec.ports.flatMap((sp) => {
    const port = selected.map((p) => targetPortOf(sp, p)).find((n) => n !== undefined);
    return port === undefined
      ? []
      : [{ ...(sp.name !== undefined ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP' }];
  });
  const subsets =
    selected.length === 0 || ports.length === 0
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
      namespace: namespaceOf(service),
      ...(service.metadata.labels !== undefined ? { labels: service.metadata.labels } : {}),
    },
    subsets,
  };
}
