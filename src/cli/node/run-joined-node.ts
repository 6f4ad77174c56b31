// A joined host's node agent, in the foreground: its credential and the mesh root in its own state
// directory (node.kubeconfig 0600, mesh-root.pem), the agent against the API server (ApiBackend),
// sidecars started with the control plane's CA and discovery addresses from the cluster info, and
// pod tokens asked of the API server (TokenRequest) for the pods bound to this node.

import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodBinding } from '../../identity/index.js';
import {
  parseKubeconfig,
  ApiClient,
  MESH_ROOT_FILE,
  POD_TOKEN_TTL_SECONDS,
  renderKubeconfig,
} from '../../controlplane/index.js';
import type { Logger } from '../../log/index.js';
import { ApiBackend, ApiServers, startNodeAgent, type NodeAgent } from '../../runtime/index.js';
import { sidecarLauncher, sidecarStarter, type SidecarTarget } from '../up/sidecar-starter.js';
import type { JoinedCluster } from './join-cluster.js';

export const NODE_CONFIG_FILE = 'node.kubeconfig';
/** What a restart of a joined host needs beside its credential: its name, address and servers. */
export const NODE_STATE_FILE = 'node.json';

export interface SavedNode {
  nodeName: string;
  internalIP: string;
  controlPlanes: string[];
}

/** The credential and settings of a host that joined before, or undefined. */
export async function readSavedNode(
  stateDir: string,
): Promise<(SavedNode & { server: string; credential: string; rootCertPem: string }) | undefined> {
  let text: string;
  try {
    text = await readFile(join(stateDir, NODE_STATE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const saved = JSON.parse(text) as SavedNode;
  const config = parseKubeconfig(await readFile(join(stateDir, NODE_CONFIG_FILE), 'utf8'), NODE_CONFIG_FILE);
  if (config.certificateAuthorityPem === undefined) throw new Error(`${NODE_CONFIG_FILE} has no CA`);
  return {
    ...saved,
    server: config.server,
    credential: config.token,
    rootCertPem: config.certificateAuthorityPem,
  };
}
/** Every call of the agent but its watches ends within this. */
const NODE_REQUEST_TIMEOUT_MS = 10_000;

export interface JoinedNodeOptions {
  stateDir: string;
  nodeName: string;
  internalIP: string;
  cliArgv: readonly string[];
  logger: Logger;
  labels?: Record<string, string>;
  /** Every `--control-plane` address given (`HOST:PORT`): the agent fails over between them. */
  controlPlanes?: readonly string[];
}

function podTokenMinter(servers: ApiServers) {
  return async (binding: PodBinding): Promise<string> => {
    const path = `/api/v1/namespaces/${encodeURIComponent(binding.namespace)}/serviceaccounts/${encodeURIComponent(binding.serviceAccount)}/token`;
    const answer = await servers.call((client) =>
      client.postPath<{ status: { token: string } }>(path, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          expirationSeconds: POD_TOKEN_TTL_SECONDS,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: binding.pod, uid: binding.podUid },
        },
      }),
    );
    return answer.status.token;
  };
}

export async function startJoinedNode(
  cluster: JoinedCluster,
  options: JoinedNodeOptions,
): Promise<NodeAgent> {
  const config = {
    server: cluster.server,
    token: cluster.credential,
    certificateAuthorityPem: cluster.info.rootCertPem,
  };
  const configFile = join(options.stateDir, NODE_CONFIG_FILE);
  await writeFile(configFile, renderKubeconfig(config), { mode: 0o600 });
  await chmod(configFile, 0o600); // an older file keeps its mode through writeFile
  const saved: SavedNode = {
    nodeName: options.nodeName,
    internalIP: options.internalIP,
    controlPlanes: [...(options.controlPlanes ?? [])],
  };
  await writeFile(join(options.stateDir, NODE_STATE_FILE), `${JSON.stringify(saved, null, 2)}\n`, {
    mode: 0o644,
  });
  const rootCertFile = join(options.stateDir, MESH_ROOT_FILE);
  await writeFile(rootCertFile, cluster.info.rootCertPem, { mode: 0o644 });
  // The server that answered the join first, then the other addresses given and the replicas it named.
  const urls = [cluster.server, ...(options.controlPlanes ?? []), ...cluster.info.apiServers].map((a) =>
    a.startsWith('https://') ? a : `https://${a}`,
  );
  const servers = new ApiServers(
    [...new Set(urls)].map(
      (server) => new ApiClient({ ...config, server }, { requestTimeoutMs: NODE_REQUEST_TIMEOUT_MS }),
    ),
  );
  const target: SidecarTarget = {
    cliArgv: options.cliArgv,
    caAddress: cluster.info.caAddress,
    discoveryAddress: cluster.info.discoveryAddress,
    rootCertFile,
    trustDomain: cluster.info.trustDomain,
  };
  return startNodeAgent({
    backend: new ApiBackend(servers, options.logger.child('api-backend')),
    stateDir: options.stateDir,
    nodeName: options.nodeName,
    internalIP: options.internalIP,
    ...(options.labels === undefined ? {} : { labels: options.labels }),
    startSidecar: sidecarStarter(target),
    mintPodToken: podTokenMinter(servers),
    podTokenRefreshMs: (POD_TOKEN_TTL_SECONDS * 1000) / 2,
    sidecarLauncher: sidecarLauncher(target),
    // A control plane with a cluster pod range routes pods between hosts; without one, loopback.
    ...(cluster.info.clusterCIDR === undefined ? {} : { podNetwork: 'routed' as const }),
    logger: options.logger.child('node'),
  });
}
