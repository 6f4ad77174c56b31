// The benchmark mesh: 10 namespaces, each with 10 services; N pods spread evenly, each behind one
// service and running as that service's account. Every proxy sees every service (no scoping), so
// a snapshot carries all N endpoints: the realistic worst case for size.
import type { Resource } from '../../src/api/index.js';
import { namespace, pod, service } from '../../test/support/mesh-fixtures.js';

export const NAMESPACES = 10;
export const SERVICES_PER_NAMESPACE = 10;

export interface BenchPod {
  namespace: string;
  name: string;
  serviceAccount: string;
}

export function benchPods(n: number): BenchPod[] {
  const pods: BenchPod[] = [];
  for (let i = 0; i < n; i++) {
    const ns = i % NAMESPACES;
    const index = Math.floor(i / NAMESPACES);
    pods.push({
      namespace: `ns${ns}`,
      name: `pod${index}`,
      serviceAccount: `svc${index % SERVICES_PER_NAMESPACE}`,
    });
  }
  return pods;
}

export function benchResources(n: number): Resource[] {
  const resources: Resource[] = [];
  for (let ns = 0; ns < NAMESPACES; ns++) {
    resources.push(namespace(`ns${ns}`));
    for (let s = 0; s < SERVICES_PER_NAMESPACE; s++) resources.push(service(`ns${ns}`, `svc${s}`, `svc${s}`));
  }
  benchPods(n).forEach((p, i) => {
    const ip = `10.${Math.floor(i / 250)}.${i % 250}.1`;
    resources.push(pod(p.namespace, p.name, { sa: p.serviceAccount, app: p.serviceAccount, ip }));
  });
  return resources;
}
