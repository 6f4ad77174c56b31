// How a node agent started by the CLI (`up`, or `node join` on another host) starts a pod's
// sidecar: `automesh proxy ...` as a child process with the control plane's CA and discovery
// addresses (every live replica's when known, so that it fails over) and the mesh root, its
// output appended to the pod's log.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import type { Pod } from '../../api/index.js';
import { namespaceOf } from '../../api/object-namespace.js';
import type { ProcessHandle, SidecarContext } from '../../runtime/index.js';
import type { ReplicaAddresses } from './replica-address-book.js';

export interface SidecarTarget {
  /** argv (after the node binary) that starts this CLI. */
  cliArgv: readonly string[];
  /** This node's own replica: what a leftover sidecar must have been started with to be adopted. */
  caAddress: string;
  discoveryAddress: string;
  /** Every live replica, asked at each sidecar start (default: the own one only). */
  replicas?: () => ReplicaAddresses;
  /** The mesh root (PEM file) the sidecar verifies the control plane and its peers with. */
  rootCertFile: string;
  trustDomain: string;
}

const ownReplica = (target: SidecarTarget): ReplicaAddresses => ({
  ca: [target.caAddress],
  discovery: [target.discoveryAddress],
});

/** The sidecar's command line up to the pod's own flags: the same for every pod of this node. */
export function sidecarArgs(
  target: SidecarTarget,
  replicas: ReplicaAddresses = ownReplica(target),
): string[] {
  return [
    ...target.cliArgv,
    'proxy',
    '--ca-address',
    replicas.ca.join(','),
    '--discovery-address',
    replicas.discovery.join(','),
    '--root-cert',
    target.rootCertFile,
    '--trust-domain',
    target.trustDomain,
  ];
}

/**
 * What describes how sidecars start: a leftover sidecar is adopted only if this is unchanged (the
 * other replicas in its list may have come and gone: not part of the comparison).
 */
export function sidecarLauncher(target: SidecarTarget): string {
  return [process.execPath, ...sidecarArgs(target)].join(' ');
}

export function sidecarStarter(target: SidecarTarget) {
  return (pod: Pod, context: SidecarContext): ProcessHandle => {
    const args = [
      ...sidecarArgs(target, target.replicas?.() ?? ownReplica(target)),
      '--pod',
      pod.metadata.name,
      '--namespace',
      namespaceOf(pod),
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
