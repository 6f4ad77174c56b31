// The control plane as a child process (so a test can SIGKILL it) and what the runtime in the test
// process needs to run sidecars against it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../../../src/api/index.js';
import {
  ApiClient,
  CONTROL_PLANE_FILE,
  MESH_ROOT_FILE,
  PROXY_STATUS_PATH,
  loadClientConfig,
  type ControlPlaneEndpoints,
  type ProxyStatusList,
} from '../../../src/controlplane/index.js';
import { cliArgv } from '../../../src/cli/self.js';
import type { ProcessHandle, SidecarContext, NodeAgent } from '../../../src/runtime/index.js';
import { startNodeAgent } from '../../../src/runtime/index.js';
import { loadPodTokenKey } from '../../../src/controlplane/index.js';
import { PodTokenIssuer } from '../../../src/identity/index.js';
import { childScriptArgv } from '../../support/child-script.js';
import { apiBackend, type ApiBackend } from './api-backend.js';

const NODE_ARGS = childScriptArgv(new URL('./control-plane-main.ts', import.meta.url));

export async function startControlPlaneProcess(
  stateDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildProcess> {
  const log = openSync(join(stateDir, 'controlplane.log'), 'a');
  const child = spawn(process.execPath, [...NODE_ARGS, stateDir], {
    stdio: ['ignore', 'pipe', log],
    env: { ...process.env, ...env },
  });
  closeSync(log);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('control plane not ready within 30 s')), 30_000);
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('ready\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`control plane exited with ${code} during start`));
    });
  });
  return child;
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export function endpointsOf(stateDir: string): ControlPlaneEndpoints {
  return JSON.parse(readFileSync(join(stateDir, CONTROL_PLANE_FILE), 'utf8')) as ControlPlaneEndpoints;
}

/**
 * `automesh proxy ...` for a pod, against the control plane named in controlplane.json now; its CA
 * at `caAddress()` instead when given (a relay in between).
 */
export function sidecarStarter(stateDir: string, caAddress?: () => string) {
  return (pod: Pod, context: SidecarContext): ProcessHandle => {
    const cp = endpointsOf(stateDir);
    const args = [
      ...cliArgv(),
      'proxy',
      ...['--pod', pod.metadata.name, '--namespace', pod.metadata.namespace ?? 'default'],
      ...['--pod-ip', context.podIP, '--app-host', context.appHost],
      ...['--ca-address', caAddress?.() ?? cp.caAddress, '--discovery-address', cp.discoveryAddress],
      ...['--root-cert', join(stateDir, MESH_ROOT_FILE), '--trust-domain', cp.trustDomain],
      ...['--token-path', context.tokenPath],
    ];
    const log = openSync(context.logPath, 'a', 0o600);
    try {
      return spawn(process.execPath, args, { stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
  };
}

export async function proxyStatus(stateDir: string): Promise<ProxyStatusList | undefined> {
  const client = new ApiClient(await loadClientConfig(stateDir));
  // Undefined while the control plane is away (the caller polls until it answers).
  return client.getPath<ProxyStatusList>(PROXY_STATUS_PATH).catch(() => undefined);
}

/**
 * The node agent in the test process, against a control plane (with the controllers) running as a
 * child process on the same state directory: pods and sidecars outlive a SIGKILL of the control plane.
 */
export async function startRuntimeAgainst(
  stateDir: string,
  addressBlock: number,
  options: { caAddress?: () => string; podTokenTtlSeconds?: number; podTokenRefreshMs?: number } = {},
): Promise<{ backend: ApiBackend; runtime: NodeAgent }> {
  const issuer = new PodTokenIssuer(await loadPodTokenKey(stateDir));
  const backend = await apiBackend(stateDir);
  // The control plane's process runs the controllers; this is the machine's node agent.
  const runtime = await startNodeAgent({
    backend,
    stateDir,
    nodeName: 'local',
    startSidecar: sidecarStarter(stateDir, options.caAddress),
    mintPodToken: (binding) => issuer.mint(binding, options.podTokenTtlSeconds ?? 3600),
    ...(options.podTokenRefreshMs === undefined ? {} : { podTokenRefreshMs: options.podTokenRefreshMs }),
    addressBlock,
  });
  return { backend, runtime };
}
