// How a node agent started by the CLI (`up`, or `node join` on another host) starts a pod's
// sidecar: `automesh proxy ...` as a child process with the control plane's CA and discovery
// addresses and the mesh root, its output appended to the pod's log.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import type { Pod } from '../../api/index.js';
import type { ProcessHandle, SidecarContext } from '../../runtime/index.js';

export interface SidecarTarget {
  /** argv (after the node binary) that starts this CLI. */
  cliArgv: readonly string[];
  caAddress: string;
  discoveryAddress: string;
  /** The mesh root (PEM file) the sidecar verifies the control plane and its peers with. */
  rootCertFile: string;
  trustDomain: string;
}

/** The sidecar's command line up to the pod's own flags: the same for every pod of this node. */
export function sidecarArgs(target: SidecarTarget): string[] {
  return [
    ...target.cliArgv,
    'proxy',
    '--ca-address',
    target.caAddress,
    '--discovery-address',
    target.discoveryAddress,
    '--root-cert',
    target.rootCertFile,
    '--trust-domain',
    target.trustDomain,
  ];
}

/** What describes how sidecars start: a leftover sidecar is adopted only if this is unchanged. */
export function sidecarLauncher(target: SidecarTarget): string {
  return [process.execPath, ...sidecarArgs(target)].join(' ');
}

export function sidecarStarter(target: SidecarTarget) {
  return (pod: Pod, context: SidecarContext): ProcessHandle => {
    const args = [
      ...sidecarArgs(target),
      '--pod',
      pod.metadata.name,
      '--namespace',
      pod.metadata.namespace ?? 'default',
      '--pod-ip',
      context.podIP,
      '--app-host',
      context.appHost,
      '--token-path',
      context.tokenPath,
    ];
    const log = openSync(context.logPath, 'a', 0o600);
    try {
      // context.env marks the process as this pod's, so that an agent started after this one was
      // killed adopts it instead of restarting it.
      return spawn(process.execPath, args, {
        stdio: ['ignore', log, log],
        env: { ...process.env, ...context.env },
      });
    } finally {
      closeSync(log);
    }
  };
}
