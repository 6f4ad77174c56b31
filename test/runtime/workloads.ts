// Deployments and Services the runtime tests run: one builder, so every test's pods have the same
// shape (selector = template label `app: <name>`).
import type { Deployment, Service } from '../../src/api/index.js';

type Containers = Deployment['spec']['template']['spec']['containers'];

export const HTTPBIN: Containers = [
  { name: 'httpbin', image: 'docker.io/kennethreitz/httpbin', ports: [{ containerPort: 80 }] },
];
export const SLEEP: Containers = [
  { name: 'sleep', image: 'governmentpaas/curl-ssl', command: ['/bin/sleep', '3650d'] },
];

export interface DeploymentShape {
  replicas: number;
  containers?: Containers;
  /** Extra pod template labels besides `app`. */
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
}

/** A Deployment `name` in `ns` whose pods carry `app: <name>` (httpbin unless told otherwise). */
export function deployment(name: string, ns: string, shape: DeploymentShape): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: shape.replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...shape.labels } },
        spec: {
          containers: shape.containers ?? HTTPBIN,
          ...(shape.nodeSelector === undefined ? {} : { nodeSelector: shape.nodeSelector }),
        },
      },
    },
  };
}

/** A Service `name` selecting `app: <name>`, port `port` to `targetPort`, named http. */
export function service(name: string, ns: string, port: number, targetPort: number): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort }] },
  };
}
