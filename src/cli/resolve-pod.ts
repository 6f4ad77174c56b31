// Finds the pod and container a command is about: `POD`, `pod/POD` or `deploy/NAME` (the
// deployment's first running pod), and `-c CONTAINER` or the pod's first app container.
import type { Container, Deployment, Pod } from '../api/index.js';
import { kindInfo } from '../api/kinds.js';
import { SIDECAR_CONTAINER_NAME } from '../api/sidecar-presence.js';
import type { MeshApi } from './context.js';

export class PodTargetError extends Error {
  readonly code = 'AUTOMESH_ERR_CLI_POD_TARGET';
}

function requireKind(kind: string) {
  const info = kindInfo(kind);
  if (info === undefined) throw new PodTargetError(`internal: kind ${kind} is not registered`);
  return info;
}

function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export async function resolvePod(api: MeshApi, target: string, namespace: string): Promise<Pod> {
  const slash = target.indexOf('/');
  const kind = slash === -1 ? 'pod' : target.slice(0, slash).toLowerCase();
  const name = slash === -1 ? target : target.slice(slash + 1);
  if (name === '') throw new PodTargetError(`a name is required, got "${target}"`);
  if (['pod', 'pods', 'po'].includes(kind)) {
    return (await api.get(requireKind('Pod'), name, namespace)) as unknown as Pod;
  }
  if (!['deploy', 'deployment', 'deployments'].includes(kind)) {
    throw new PodTargetError(`cannot exec into or read logs of a ${kind}; use POD or deploy/NAME`);
  }
  const deployment = (await api.get(requireKind('Deployment'), name, namespace)) as unknown as Deployment;
  const labels = deployment.spec.selector?.matchLabels ?? deployment.spec.template.metadata?.labels ?? {};
  const pods = (await api.list(requireKind('Pod'), {
    namespace,
    labelSelector: selectorString(labels),
  })) as unknown as Pod[];
  const running = pods.find((p) => p.status?.phase === 'Running') ?? pods[0];
  if (running === undefined) throw new PodTargetError(`deployment "${name}" has no pods`);
  return running;
}

/** The named container, or the first that is not the sidecar (kubectl's default container). */
export function pickContainer(pod: Pod, name: string | undefined): Container {
  const containers = pod.spec.containers;
  if (name !== undefined) {
    const found = containers.find((c) => c.name === name);
    if (found === undefined) {
      const names = containers.map((c) => c.name).join(' ');
      throw new PodTargetError(
        `container ${name} is not valid for pod ${pod.metadata.name}; choose one of: [${names}]`,
      );
    }
    return found;
  }
  const first = containers.find((c) => c.name !== SIDECAR_CONTAINER_NAME) ?? containers[0];
  if (first === undefined) throw new PodTargetError(`pod ${pod.metadata.name} has no containers`);
  return first;
}
