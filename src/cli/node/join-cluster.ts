// The joining host's side of `automesh node join`, kubeadm's discovery with a CA pin: fetch the
// cluster info from the API server without trusting its certificate yet, check that the root it
// names has the `--ca-cert-hash` the operator was given (refuse otherwise: a wrong address, or
// someone in between), then, over TLS verified against that root only, trade the join token for
// this node's credential.

import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { ClusterInfo } from '../../controlplane/index.js';
import { ApiClient, ApiClientError } from '../../controlplane/index.js';
import { caCertHash } from '../../identity/index.js';

export interface JoinRequest {
  /** `HOST:PORT` of the API servers, tried in order. */
  controlPlanes: readonly string[];
  token: string;
  caCertHash: string;
  nodeName: string;
}

export interface JoinedCluster {
  info: ClusterInfo;
  /** `https://HOST:PORT` of the API server that answered. */
  server: string;
  credential: string;
  /** This host's address on the connection to the control plane: a default InternalIP. */
  localAddress: string;
}

export class JoinError extends Error {
  readonly code = 'AUTOMESH_ERR_JOIN';
}

const CLUSTER_INFO_PATH = '/apis/automesh.io/v1/clusterinfo';
const NODE_CREDENTIALS_PATH = '/apis/automesh.io/v1/nodecredentials';
const DISCOVERY_TIMEOUT_MS = 10_000;

/** GET of the cluster info with no trust in the server's certificate (it is checked by hash next). */
function fetchUntrusted(server: string): Promise<{ info: ClusterInfo; localAddress: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server}${CLUSTER_INFO_PATH}`,
      { rejectUnauthorized: false, agent: false, timeout: DISCOVERY_TIMEOUT_MS },
      (res) => {
        const localAddress = (res.socket as TLSSocket).localAddress ?? '';
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            reject(
              new JoinError(
                `${server} answered ${res.statusCode} to ${CLUSTER_INFO_PATH}: ${text.slice(0, 200)}`,
              ),
            );
            return;
          }
          try {
            resolve({ info: JSON.parse(text) as ClusterInfo, localAddress });
          } catch {
            reject(new JoinError(`${server} answered ${CLUSTER_INFO_PATH} with something that is not JSON`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${DISCOVERY_TIMEOUT_MS / 1000} s`)));
    req.on('error', (err) =>
      reject(new JoinError(`cannot reach the control plane at ${server}: ${err.message}`)),
    );
    req.end();
  });
}

async function joinVia(server: string, ask: JoinRequest): Promise<JoinedCluster> {
  const { info, localAddress } = await fetchUntrusted(server);
  if (typeof info.rootCertPem !== 'string') throw new JoinError(`${server} sent cluster info without a root`);
  const presented = caCertHash(info.rootCertPem);
  if (presented !== ask.caCertHash) {
    throw new JoinError(
      `refusing to join: the control plane at ${server} presents a root whose hash is ${presented}, ` +
        `not the --ca-cert-hash ${ask.caCertHash} (a wrong address, or someone in between)`,
    );
  }
  // From here on the server must prove it holds a certificate from that root.
  const client = new ApiClient({ server, token: ask.token, certificateAuthorityPem: info.rootCertPem });
  try {
    const answer = await client.postPath<{ token: string }>(NODE_CREDENTIALS_PATH, {
      nodeName: ask.nodeName,
    });
    return { info, server, credential: answer.token, localAddress };
  } catch (err) {
    if (err instanceof ApiClientError) throw new JoinError(`${server}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Joins through the first control plane that answers; a hash mismatch or a refused token ends it. */
export async function joinCluster(ask: JoinRequest): Promise<JoinedCluster> {
  const failures: string[] = [];
  for (const address of ask.controlPlanes) {
    const server = address.startsWith('https://') ? address : `https://${address}`;
    try {
      return await joinVia(server, ask);
    } catch (err) {
      const message = (err as Error).message;
      // Only an unreachable server is worth trying the next address for.
      if (!message.includes('cannot reach')) throw err;
      failures.push(message);
    }
  }
  throw new JoinError(failures.join('; '));
}

/**
 * A host that joined before and restarts: its credential and the root it pinned then
 * (`node.kubeconfig`), the cluster info read again over TLS verified against that root.
 */
export async function rejoinCluster(saved: {
  server: string;
  credential: string;
  rootCertPem: string;
  controlPlanes: readonly string[];
}): Promise<JoinedCluster> {
  const failures: string[] = [];
  for (const server of [...new Set([saved.server, ...saved.controlPlanes])]) {
    const url = server.startsWith('https://') ? server : `https://${server}`;
    const client = new ApiClient({
      server: url,
      token: saved.credential,
      certificateAuthorityPem: saved.rootCertPem,
    });
    try {
      const info = await client.getPath<ClusterInfo>(CLUSTER_INFO_PATH, { timeoutMs: DISCOVERY_TIMEOUT_MS });
      if (caCertHash(info.rootCertPem) !== caCertHash(saved.rootCertPem))
        throw new JoinError(
          `refusing to start: the control plane at ${url} now has another root than the one this host joined`,
        );
      const { localAddress } = await fetchUntrusted(url);
      return { info, server: url, credential: saved.credential, localAddress };
    } catch (err) {
      if (err instanceof JoinError && err.message.startsWith('refusing')) throw err;
      failures.push((err as Error).message);
    }
  }
  throw new JoinError(`cannot reach the control plane this host joined: ${failures.join('; ')}`);
}
