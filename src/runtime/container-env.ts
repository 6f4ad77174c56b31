// The environment a container (and a command run in it with `exec`) sees: its own `env`, the
// downward-API-like pod variables, and the proxy variables that send its HTTP traffic to services
// through the sidecar (pods with one) or the runtime's plain service proxy (pods without).

import type { Container, Pod } from '../api/index.js';
import { SIDECAR_OUTBOUND_PORT } from '../api/inject-sidecar.js';
import { runsSidecar } from '../api/sidecar-presence.js';
import { namespaceOf } from '../api/object-namespace.js';

/** Host variables a local program needs to run at all; nothing else leaks from the runtime. */
const INHERITED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TERM', 'USER'];
const NO_PROXY = 'localhost,127.0.0.1,::1';

export interface ContainerEnvContext {
  podIP: string;
  /** Where the app listens: the app host behind a sidecar, else the pod IP. */
  listenHost: string;
}

export function containerEnvironment(
  pod: Pod,
  container: Container | undefined,
  context: ContainerEnvContext,
  hostEnv: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = hostEnv[name];
    if (value !== undefined) env[name] = value;
  }
  const proxy = `http://${context.podIP}:${SIDECAR_OUTBOUND_PORT}`;
  Object.assign(env, {
    HOSTNAME: pod.metadata.name,
    POD_NAME: pod.metadata.name,
    POD_NAMESPACE: namespaceOf(pod),
    POD_IP: context.podIP,
    INSTANCE_IP: context.podIP,
    SERVICE_ACCOUNT: pod.spec.serviceAccountName ?? 'default',
    AUTOMESH_LISTEN_HOST: context.listenHost,
    http_proxy: proxy,
    HTTP_PROXY: proxy,
    no_proxy: NO_PROXY,
    NO_PROXY,
  });
  for (const v of container?.env ?? []) env[v.name] = v.value ?? '';
  return env;
}

/**
 * The environment of `containerName` in a stored pod (for `automesh exec`), or undefined when the
 * pod has no IP yet or no such container.
 */
export function execEnvironment(
  pod: Pod,
  containerName: string,
  appHost?: string,
): Record<string, string> | undefined {
  const podIP = pod.status?.podIP;
  const container = pod.spec.containers.find((c) => c.name === containerName);
  if (podIP === undefined || container === undefined) return undefined;
  const listenHost = runsSidecar(pod) ? (appHost ?? appHostOf(podIP)) : podIP;
  return containerEnvironment(pod, container, { podIP, listenHost });
}

/** 127.B.x.y → 127.(B+1).x.y: the app host paired with a pod IP. */
export function appHostOf(podIP: string): string {
  const [a, b, x, y] = podIP.split('.');
  return `${a}.${Number(b) + 1}.${x}.${y}`;
}
