// Which running client → server pairs a mesh change would break (behaviour.md "Changes at run
// time"): for every client workload, service port and endpoint, would the request work before and
// fail after? Pure: two MeshStates in, the broken pairs out. `install` prints them all;
// `observed-breaks.ts` keeps those that observed traffic says are in use.
import type { Service, ServicePort } from '../api/index.js';
import { namespaceOf, targetPortOf } from '../api/index.js';
import { clientTlsIn } from './client-tls.js';
import { MeshIndex } from './mesh-index.js';
import type { MeshState, WorkloadInstance } from './mesh-state.js';
import { serverModeIn } from './server-mode.js';

export interface BrokenPair {
  /** `full/sleep-58d6644d44-gb55j` */
  client: string;
  /** `httpbin.full:8000` */
  service: string;
  /** `full/httpbin-dcd949489-5cndk` */
  endpoint: string;
  /** Why it fails after the change. */
  reason: string;
  /** The same, structured: the client pod and its address, the endpoint pod and its workload port. */
  from: { namespace: string; pod: string; address: string };
  to: { namespace: string; pod: string; port: number };
}

interface Outcome {
  works: boolean;
  reason: string;
}

/** Would a request from `client` to `endpoint` through `servicePort` succeed in this state? */
function outcome(
  index: MeshIndex,
  client: WorkloadInstance,
  service: Service,
  servicePort: ServicePort,
  endpoint: WorkloadInstance,
): Outcome | undefined {
  const port = targetPortOf(servicePort, endpoint);
  if (port === undefined) return undefined;
  const tls = clientTlsIn(index, { client, service, servicePort, endpoint });
  if (tls.mode === 'REFUSE') return { works: false, reason: `refused by the client sidecar: ${tls.reason}` };
  if (tls.mode !== 'DISABLE' && tls.mode !== 'ISTIO_MUTUAL') return { works: true, reason: '' };
  if (!endpoint.runsSidecar) {
    return tls.mode === 'DISABLE'
      ? { works: true, reason: '' }
      : { works: false, reason: 'mesh mTLS to a workload without a sidecar' };
  }
  const mode = serverModeIn(index, endpoint, port).mode;
  if (tls.mode === 'DISABLE' && mode === 'STRICT')
    return { works: false, reason: `plaintext to a STRICT port (${port})` };
  if (tls.mode === 'ISTIO_MUTUAL' && mode === 'DISABLE')
    return { works: false, reason: `mTLS to a DISABLE port (${port})` };
  return { works: true, reason: '' };
}

const ref = (w: WorkloadInstance): string => `${w.namespace}/${w.name}`;

/** Pairs that work in `before` and fail in `after`; both states must hold the same workloads and services. */
export function breakingChanges(before: MeshState, after: MeshState): BrokenPair[] {
  const was = new MeshIndex(before);
  const will = new MeshIndex(after);
  const broken: BrokenPair[] = [];
  for (const service of will.services) {
    const endpoints = will.serviceWorkloads(service).filter((w) => w.ready);
    for (const servicePort of service.spec.ports) {
      for (const client of after.workloads) {
        for (const endpoint of endpoints) {
          if (endpoint === client) continue;
          const now = outcome(was, client, service, servicePort, endpoint);
          const next = outcome(will, client, service, servicePort, endpoint);
          if (now?.works !== true || next === undefined || next.works) continue;
          broken.push({
            client: ref(client),
            service: `${service.metadata.name}.${namespaceOf(service)}:${servicePort.port}`,
            endpoint: ref(endpoint),
            reason: next.reason,
            from: { namespace: client.namespace, pod: client.name, address: client.address },
            to: {
              namespace: endpoint.namespace,
              pod: endpoint.name,
              port: targetPortOf(servicePort, endpoint) ?? 0,
            },
          });
        }
      }
    }
  }
  return broken;
}
