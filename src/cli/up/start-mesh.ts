// Starts the whole local mesh in this process: the control plane (with the controllers), then one
// node agent for this machine that runs the pods bound to it (app processes plus one sidecar
// process per injected pod) against the control plane's store.
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  startControlPlane,
  MESH_ROOT_FILE,
  POD_TOKEN_TTL_SECONDS,
  type ControlPlane,
  type ControllerSettings,
} from '../../controlplane/index.js';
import { podDirectory, execEnvironment, startNodeAgent, type NodeAgent } from '../../runtime/index.js';
import type { Logger } from '../../log/index.js';
import { defaultNodeName } from './up-config.js';
import { startReplicaAddressBook, type ReplicaAddressBook } from './replica-address-book.js';
import { sidecarLauncher, sidecarStarter, type SidecarTarget } from './sidecar-starter.js';

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
  /** Where the control plane listens (and this node's InternalIP); loopback by default. */
  listen?: string;
  /** The cluster pod range when pods are routed between hosts (`up --pod-cidr`); loopback pods otherwise. */
  clusterCIDR?: string;
  /** Node lifecycle bounds (heartbeat grace, eviction timeout); defaults in the controllers. */
  controllers?: ControllerSettings;
  /** With etcd: the key that opens the cluster's secrets (`--certificate-key`). */
  certificateKey?: string;
}

/** The role label kubectl shows under ROLES for the node that also runs the control plane. */
const CONTROL_PLANE_ROLE_LABEL = 'node-role.kubernetes.io/control-plane';

function sidecarTarget(options: StartMeshOptions, cp: ControlPlane, book: ReplicaAddressBook): SidecarTarget {
  return {
    cliArgv: options.cliArgv,
    caAddress: cp.caAddress,
    discoveryAddress: cp.discoveryAddress,
    rootCertFile: join(options.stateDir, MESH_ROOT_FILE),
    trustDomain: cp.trustDomain,
    replicas: () => book.current(),
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
    ...(options.certificateKey === undefined ? {} : { certificateKey: options.certificateKey }),
    ...(options.listen === undefined ? {} : { host: options.listen }),
    ...(options.controllers === undefined && options.clusterCIDR === undefined
      ? {}
      : {
          controllers: {
            ...options.controllers,
            ...(options.clusterCIDR === undefined ? {} : { clusterCIDR: options.clusterCIDR }),
          },
        }),
  });
  let runtime: NodeAgent;
  let book: ReplicaAddressBook | undefined;
  try {
    book = await startReplicaAddressBook(controlPlane, options.logger.child('replicas'));
    const target = sidecarTarget(options, controlPlane, book);
    runtime = await startNodeAgent({
      backend: controlPlane.store,
      stateDir: options.stateDir,
      nodeName: options.nodeName ?? defaultNodeName(hostname()),
      labels: { [CONTROL_PLANE_ROLE_LABEL]: '' },
      ...(options.listen === undefined ? {} : { internalIP: options.listen }),
      ...(options.clusterCIDR === undefined ? {} : { podNetwork: 'routed' as const }),
      startSidecar: sidecarStarter(target),
      mintPodToken: (binding) => controlPlane.mintPodToken(binding),
      // A fresh token well before the last one runs out, as kubelet does for projected tokens.
      podTokenRefreshMs: (POD_TOKEN_TTL_SECONDS * 1000) / 2,
      // A sidecar left by a killed `up` is adopted only if it would be started the same way now.
      sidecarLauncher: sidecarLauncher(target),
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
