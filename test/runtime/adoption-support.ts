// What the adoption tests share between the runtime in a child process (killed with SIGKILL) and
// the one in the test process that takes over its pods: the sidecar stand-in, the options, the
// workloads.
import { spawn } from 'node:child_process';
import type { Deployment, Pod, Service } from '../../src/api/index.js';
import { injectSidecar } from '../../src/api/index.js';
import type { RuntimeBackend, SidecarContext } from '../../src/runtime/index.js';
import type { LocalNodeOptions } from './local-node.js';

export const NS = 'adopt';
export const SIDECAR_LAUNCHER = 'fake-sidecar v1';

/**
 * A stand-in sidecar: 200 on podIP:15000/ready. It carries the runtime's marker variables (as the
 * real launcher does) and no pipe to its parent, so it outlives a killed runtime.
 */
export function fakeSidecar(pod: Pod, ctx: SidecarContext): ReturnType<typeof spawn> {
  const script = `require('http').createServer((q, s) => s.end('ok')).listen(15000, ${JSON.stringify(ctx.podIP)}); process.on('SIGTERM', () => process.exit(0));`;
  return spawn(process.execPath, ['-e', script], {
    stdio: 'ignore',
    env: { ...ctx.env, POD_IP: ctx.podIP, POD_NAME: pod.metadata.name },
  });
}

/** Runtime options for one side (`who` marks the pod tokens it mints). */
export function adoptionOptions(
  backend: RuntimeBackend,
  stateDir: string,
  addressBlock: number,
  who: string,
): LocalNodeOptions {
  return {
    backend,
    stateDir,
    addressBlock,
    isRoot: false,
    backoff: { initialMs: 100, maxMs: 400 },
    stopGraceMs: 1000,
    startSidecar: fakeSidecar,
    sidecarLauncher: SIDECAR_LAUNCHER,
    mintPodToken: (b) => `token-${who}:${b.namespace}/${b.pod}/${b.podUid}`,
  };
}

const HTTPBIN = [
  { name: 'httpbin', image: 'docker.io/kennethreitz/httpbin', ports: [{ containerPort: 80 }] },
];

export function deployment(name: string, injected: boolean, labels: Record<string, string> = {}): Deployment {
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, ...labels } }, spec: { containers: HTTPBIN } },
    },
  };
  return injected ? injectSidecar(d) : d;
}

export function service(name: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 8000, targetPort: 80 }] },
  };
}
