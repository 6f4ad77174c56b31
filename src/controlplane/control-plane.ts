// The control plane's composition root: wires the store, registry, CA, discovery and API server
// together. No logic of its own beyond the order things start and stop in.

import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodBinding } from '../identity/index.js';
import { PodTokenIssuer, issueServingCertificate, controlPlaneSpiffeId } from '../identity/index.js';
import type { ConfigStore, LeaderElection } from '../store/index.js';
import {
  EtcdConfigStore,
  SqliteConfigStore,
  clusterSecretsSlotOf,
  leaderElectionFor,
  replicaRosterFor,
} from '../store/index.js';
import type { Logger } from '../log/index.js';
import { createLogger } from '../log/index.js';
import { startCaServer, storePodCheck } from './ca/index.js';
import { loadClusterSecrets } from './cluster-secrets/index.js';
import { MeshRegistry } from './registry/index.js';
import { startDiscoveryServer, proxyStatusHandler } from './discovery/index.js';
import {
  startApiServer,
  ensureAdminCredential,
  type PodExecutor,
  type PodLogSource,
} from './apiserver/index.js';
import { onPreferredPort, previousPorts } from './previous-ports.js';
import { ControllerManager, type ControllerSettings } from './controllers/index.js';
import { encodeReplicaEndpoints, liveReplicaEndpoints, type ReplicaEndpoints } from './replica-endpoints.js';
import { replicaProxyStatusHandler } from './replica-proxy-status.js';
import { nodeJoinService } from './nodes/index.js';

/** Pod tokens are needed only for the first certificate; renewals use the SVID. */
export const POD_TOKEN_TTL_SECONDS = 3600;

export const CONTROL_PLANE_FILE = 'controlplane.json';
/** The mesh trust bundle (PEM), for sidecars to verify the control plane and their peers. */
export const MESH_ROOT_FILE = 'mesh-root.pem';

export interface ControlPlaneOptions {
  stateDir: string;
  trustDomain?: string;
  /** Where every server listens; loopback by default. */
  host?: string;
  /** API server port; 0 picks a free one (written to the admin credential). */
  apiPort?: number;
  /** An Istio `cacerts` directory to sign with instead of the self-signed root. */
  pluggedInCaDir?: string;
  /** SVID lifetime handed out by the CA, and the longest it grants whatever a CSR asks. */
  svidTtlSeconds?: number;
  /** Where pods' container output is (the runtime's files), for `kubectl logs`. */
  podLogs?: PodLogSource;
  /** How commands run in pods' containers (the runtime's environment), for `kubectl exec`. */
  podExec?: PodExecutor;
  logger?: Logger;
  /** Keep resources in etcd (`etcd://HOST:PORT[,...]`, under `prefix`) instead of SQLite in stateDir. */
  etcd?: { url: string; prefix: string };
  /**
   * The controllers (Deployment, scheduler, node lifecycle, Endpoints) and their bounds; `false`
   * runs none in this process. Default: on, with the bounds in controllers/controller-manager.ts.
   */
  controllers?: false | ControllerSettings;
  /** The etcd lease TTL of once-only work (LeaderElection) and of this replica's announcement; default 10 s. */
  leaderLeaseTtlSeconds?: number;
  /**
   * With etcd: the key (64 hex digits) the cluster's secrets are sealed with in the store. Default:
   * the one in stateDir, or, for the first control plane of the store, a new one kept there.
   */
  certificateKey?: string;
}

/** Where the control plane's endpoints are, for sidecars (written to `controlplane.json`). */
export interface ControlPlaneEndpoints {
  apiServer: string;
  caAddress: string;
  discoveryAddress: string;
  rootCertPem: string;
  trustDomain: string;
}

export interface ControlPlane extends ControlPlaneEndpoints {
  store: ConfigStore;
  /** The controllers of this replica (running while it leads); undefined with `controllers: false`. */
  controllers: ControllerManager | undefined;
  /**
   * Work that must run on one replica at a time (controllers, Endpoints and status writes) runs
   * through `leaderElection.runWhileLeader(name, start)`; closed (resigning) before the store.
   */
  leaderElection: LeaderElection;
  /** A credential bound to one pod, for its sidecar's first certificate request. */
  mintPodToken(binding: PodBinding): string;
  /** Every live replica's endpoints (this one's included), from their announcements in the store. */
  replicas(): Promise<ReplicaEndpoints[]>;
  /**
   * With etcd: the key that opens the cluster's secrets in the store (for the next replicas'
   * `--certificate-key`), kept in `file`; `created` when this start made it.
   */
  certificateKey?: { hex: string; created: boolean; file: string };
  close(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const logger = options.logger ?? createLogger({ component: 'controlplane' });
  const trustDomain = options.trustDomain ?? 'cluster.local';
  const host = options.host ?? '127.0.0.1';
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne();
  };
  try {
    const previous = await previousPorts(join(options.stateDir, CONTROL_PLANE_FILE), logger);
    const store: ConfigStore =
      options.etcd === undefined
        ? SqliteConfigStore.inStateDir(options.stateDir)
        : await EtcdConfigStore.connect({
            endpoints: options.etcd.url,
            prefix: options.etcd.prefix,
            logger: logger.child('etcd'),
          });
    closers.push(() => store.close());
    // Opened before anything runs or writes: a replica with a wrong certificate key does nothing.
    // The CA root, pod-token key and admin token: in stateDir on SQLite; shared, sealed, in etcd.
    const slot = clusterSecretsSlotOf(store);
    const secrets = await loadClusterSecrets({
      stateDir: options.stateDir,
      trustDomain,
      ...(options.pluggedInCaDir === undefined ? {} : { pluggedInCaDir: options.pluggedInCaDir }),
      ...(options.certificateKey === undefined ? {} : { certificateKey: options.certificateKey }),
      ...(slot === undefined ? {} : { slot }),
    });
    const signer = secrets.signer;
    const tokens = new PodTokenIssuer(secrets.podTokenKey);
    const leaderElection = leaderElectionFor(store, {
      logger: logger.child('leader-election'),
      ...(options.leaderLeaseTtlSeconds === undefined
        ? {}
        : { leaseTtlSeconds: options.leaderLeaseTtlSeconds }),
    });
    closers.push(() => leaderElection.close());
    const registry = new MeshRegistry({ store, settings: { trustDomain }, logger: logger.child('registry') });
    await registry.start();
    closers.push(() => registry.stop());

    const controllers =
      options.controllers === false
        ? undefined
        : new ControllerManager({
            backend: store,
            logger: logger.child('controllers'),
            ...options.controllers,
          });
    // Work that must happen once across replicas: the controllers run while this replica leads
    // (always, on SQLite; with etcd, as long as it holds the 'controllers' lease).
    if (controllers !== undefined) {
      closers.push(
        leaderElection.runWhileLeader('controllers', () => {
          controllers.start();
          return () => controllers.stop();
        }),
      );
    }

    const isPodCurrent = storePodCheck(store);
    const ca = await onPreferredPort(
      previous.ca,
      (port) =>
        startCaServer({
          stateDir: options.stateDir,
          trustDomain,
          tokenVerifier: tokens,
          isPodCurrent,
          signer,
          host,
          port,
          logger: logger.child('ca'),
          ...(options.svidTtlSeconds === undefined ? {} : { defaultTtlSeconds: options.svidTtlSeconds }),
        }),
      logger,
    );
    closers.push(() => ca.close());

    const serving = await issueServingCertificate(signer, {
      spiffeId: controlPlaneSpiffeId(trustDomain),
      dnsNames: ['localhost'],
      ipAddresses: [host],
    });
    const discovery = await onPreferredPort(
      previous.discovery,
      (port) =>
        startDiscoveryServer({
          source: registry,
          tls: serving,
          trustDomain,
          isPodCurrent,
          host,
          port,
          logger: logger.child('discovery'),
        }),
      logger,
    );
    closers.push(() => discovery.close());

    // Announced once it serves (a lease-bound key with etcd), so sidecars can be given every replica.
    const roster = replicaRosterFor(store, {
      logger: logger.child('replicas'),
      ...(options.leaderLeaseTtlSeconds === undefined
        ? {}
        : { leaseTtlSeconds: options.leaderLeaseTtlSeconds }),
    });
    closers.push(() => roster.close());
    const self: { endpoints?: ReplicaEndpoints } = {};
    const clusterProxyStatus = replicaProxyStatusHandler({
      self: () =>
        self.endpoints ?? { apiServer: '', caAddress: ca.address, discoveryAddress: discovery.address },
      local: discovery,
      replicas: () => liveReplicaEndpoints(roster),
      token: secrets.adminToken,
      certificateAuthorityPem: serving.trustBundlePem.join(''),
    });
    // Hosts that join (automesh node join): join tokens, node credentials, the public cluster info.
    const nodeJoin = nodeJoinService(options.stateDir, secrets.podTokenKey);
    const startApi = (port: number) =>
      startApiServer({
        store,
        adminToken: { sha256: secrets.adminTokenSha256 },
        tls: serving,
        host,
        port,
        builtinNamespaces: ['default', 'istio-system'],
        extraHandlers: [clusterProxyStatus, proxyStatusHandler(discovery)],
        nodeCredentials: nodeJoin.credentials,
        nodeJoin,
        podTokens: (binding, ttlSeconds) => {
          const ttl = Math.min(ttlSeconds ?? POD_TOKEN_TTL_SECONDS, POD_TOKEN_TTL_SECONDS);
          return { token: tokens.mint(binding, ttl), expiresAt: new Date(Date.now() + ttl * 1000) };
        },
        ...(options.podLogs === undefined ? {} : { podLogs: options.podLogs }),
        ...(options.podExec === undefined ? {} : { podExec: options.podExec }),
        onInternalError: (err) => logger.error('API server error', { err }),
      });
    // An explicit port must be honoured or fail; otherwise the previous run's port if free.
    const api =
      options.apiPort === undefined
        ? await onPreferredPort(previous.api, startApi, logger)
        : await startApi(options.apiPort);
    closers.push(() => api.close());
    // kubectl and the CLI verify the API server's certificate against the mesh roots.
    await ensureAdminCredential(options.stateDir, {
      server: api.url,
      certificateAuthorityPem: serving.trustBundlePem.join(''),
      token: secrets.adminToken,
    });

    const endpoints: ControlPlaneEndpoints = {
      apiServer: api.url,
      caAddress: ca.address,
      discoveryAddress: discovery.address,
      rootCertPem: ca.rootCertPem,
      trustDomain,
    };
    self.endpoints = endpoints;
    await roster.announce(encodeReplicaEndpoints(endpoints));
    nodeJoin.setClusterInfo({
      apiVersion: 'automesh.io/v1',
      kind: 'ClusterInfo',
      rootCertPem: ca.rootCertPem,
      apiServers: [api.url],
      caAddress: ca.address,
      discoveryAddress: discovery.address,
      trustDomain,
      ...(options.controllers === false || options.controllers?.clusterCIDR === undefined
        ? {}
        : { clusterCIDR: options.controllers.clusterCIDR }),
    });
    await writeFile(join(options.stateDir, MESH_ROOT_FILE), ca.trustBundlePem.join(''), { mode: 0o644 });
    const file = join(options.stateDir, CONTROL_PLANE_FILE);
    await writeFile(`${file}.tmp`, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o644 });
    await rename(`${file}.tmp`, file);
    logger.info('control plane ready', { apiServer: api.url, ca: ca.address, discovery: discovery.address });
    return {
      ...endpoints,
      store,
      controllers,
      leaderElection,
      mintPodToken: (binding) => tokens.mint(binding, POD_TOKEN_TTL_SECONDS),
      replicas: () => liveReplicaEndpoints(roster),
      ...(secrets.certificateKey === undefined ? {} : { certificateKey: secrets.certificateKey }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
