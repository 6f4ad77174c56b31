// Starts the whole local mesh in this process: the control plane (with the controllers), then one
// node agent for this machine that runs the pods bound to it (app processes plus one sidecar
// process per injected pod) against the control plane's store.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../../api/index.js';
import {
  startControlPlane,
  MESH_ROOT_FILE,
  POD_TOKEN_TTL_SECONDS,
  type ControlPlane,
  type ControllerSettings,
} from '../../controlplane/index.js';
import {
  podDirectory,
  execEnvironment,
  startNodeAgent,
  type NodeAgent,
  type SidecarContext,
  type ProcessHandle,
} from '../../runtime/index.js';
import type { Logger } from '../../log/index.js';
import { defaultNodeName } from './up-config.js';
import {
  startReplicaAddressBook,
  type ReplicaAddressBook,
  type ReplicaAddresses,
} from './replica-address-book.js';

export interface LocalMesh {
  controlPlane: ControlPlane;
  runtime: NodeAgent;
  stop(): Promise<void>;
}

export interface StartMeshOptions {
  stateDir: string;
  /** argv (after the node binary) that starts this CLI: the sidecar runs as `automesh proxy ...`. */
  cliArgv: string[];
  logger: Logger;
  svidTtlSeconds?: number;
  /** Second octet of pod IPs (127.B.x.y); meshes on one machine need different blocks. */
  addressBlock?: number;
  /** Resources in etcd instead of the state directory's SQLite file. */
  etcd?: { url: string; prefix: string };
  /** This machine's Node name (default: the host name, see defaultNodeName). */
  nodeName?: string;
  /** Node lifecycle bounds (heartbeat grace, eviction timeout); defaults in the controllers. */
  controllers?: ControllerSettings;
  /** With etcd: the key that opens the cluster's secrets (`--certificate-key`). */
  certificateKey?: string;
}

/** The role label kubectl shows under ROLES for the node that also runs the control plane. */
const CONTROL_PLANE_ROLE_LABEL = 'node-role.kubernetes.io/control-plane';

/** The sidecar's command line up to the pod's own flags: the same for every pod of this mesh. */
function sidecarArgs(options: StartMeshOptions, cp: ControlPlane, replicas: ReplicaAddresses): string[] {
  return [
    ...options.cliArgv,
    'proxy',
    '--ca-address',
    replicas.ca.join(','),
    '--discovery-address',
    replicas.discovery.join(','),
    '--root-cert',
    join(options.stateDir, MESH_ROOT_FILE),
    '--trust-domain',
    cp.trustDomain,
  ];
}

/** Only this node's replica: what an adopted sidecar must have been started with. */
function ownReplica(cp: ControlPlane): ReplicaAddresses {
  return { ca: [cp.caAddress], discovery: [cp.discoveryAddress] };
}

function sidecarStarter(options: StartMeshOptions, cp: ControlPlane, book: ReplicaAddressBook) {
  return (pod: Pod, context: SidecarContext): ProcessHandle => {
    const args = [
      // Every live replica, so that the sidecar fails over when its replica dies.
      ...sidecarArgs(options, cp, book.current()),
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
      // context.env marks the process as this pod's, so that an `up` started after this one was
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

export async function startLocalMesh(options: StartMeshOptions): Promise<LocalMesh> {
  const controlPlane = await startControlPlane({
    stateDir: options.stateDir,
    logger: options.logger.child('controlplane'),
    podExec: { environment: (pod, container) => execEnvironment(pod, container) },
    podLogs: {
      logFile: (namespace, pod, container) =>
        podDirectory(options.stateDir, namespace, pod).logFile(container),
    },
    ...(options.svidTtlSeconds === undefined ? {} : { svidTtlSeconds: options.svidTtlSeconds }),
    ...(options.etcd === undefined ? {} : { etcd: options.etcd }),
    ...(options.controllers === undefined ? {} : { controllers: options.controllers }),
    ...(options.certificateKey === undefined ? {} : { certificateKey: options.certificateKey }),
  });
  let runtime: NodeAgent;
  let book: ReplicaAddressBook | undefined;
  try {
    book = await startReplicaAddressBook(controlPlane, options.logger.child('replicas'));
    runtime = await startNodeAgent({
      backend: controlPlane.store,
      stateDir: options.stateDir,
      nodeName: options.nodeName ?? defaultNodeName(hostname()),
      labels: { [CONTROL_PLANE_ROLE_LABEL]: '' },
      startSidecar: sidecarStarter(options, controlPlane, book),
      mintPodToken: (binding) => controlPlane.mintPodToken(binding),
      // A fresh token well before the last one runs out, as kubelet does for projected tokens.
      podTokenRefreshMs: (POD_TOKEN_TTL_SECONDS * 1000) / 2,
      // A sidecar left by a killed `up` is adopted only if it would be started the same way now
      // (the other replicas in its list may have come and gone: not part of the comparison).
      sidecarLauncher: [
        process.execPath,
        ...sidecarArgs(options, controlPlane, ownReplica(controlPlane)),
      ].join(' '),
      logger: options.logger.child('node'),
      ...(options.addressBlock === undefined ? {} : { addressBlock: options.addressBlock }),
    });
  } catch (err) {
    book?.stop();
    await controlPlane.close();
    throw err;
  }
  const addressBook = book;
  return {
    controlPlane,
    runtime,
    stop: async () => {
      addressBook.stop();
      await runtime.stop();
      await controlPlane.close();
    },
  };
}
