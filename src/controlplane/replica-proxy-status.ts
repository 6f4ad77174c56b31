// `GET /debug/proxy-status` across control-plane replicas: each replica knows only the sidecars
// streaming from it, so the one asked lists its own and asks every other live replica for theirs
// (`?local=true`, with the admin credential the replicas share), as istioctl proxy-status asks
// every istiod. Each item names the replica it streams from (its discovery address). A replica
// that is announced but does not answer (dead, its lease not yet expired) is reported, not fatal.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiClient } from './client/index.js';
import { PROXY_STATUS_PATH, type ProxyStatusList, type ProxyStatusView } from './discovery/index.js';
import type { ReplicaEndpoints } from './replica-endpoints.js';

/** How long one other replica may take to answer. */
export const REPLICA_PROXY_STATUS_TIMEOUT_MS = 2_000;

export interface ReplicaProxyStatusOptions {
  /** This replica's endpoints (known once its API server listens). */
  self: () => ReplicaEndpoints;
  local: ProxyStatusView;
  replicas: () => Promise<ReplicaEndpoints[]>;
  /** The shared admin credential, to ask the other replicas. */
  token: string;
  certificateAuthorityPem: string;
}

function localList(options: ReplicaProxyStatusOptions): ProxyStatusList {
  const controlPlane = options.self().discoveryAddress;
  return {
    kind: 'ProxyStatusList',
    items: options.local.proxyStatus().map((item) => ({ ...item, controlPlane })),
    counters: options.local.counters(),
  };
}

async function clusterList(options: ReplicaProxyStatusOptions): Promise<ProxyStatusList> {
  const own = localList(options);
  const others = (await options.replicas()).filter(
    (r) => r.discoveryAddress !== options.self().discoveryAddress,
  );
  const answers = await Promise.all(
    others.map(async (replica) => {
      const client = new ApiClient({
        server: replica.apiServer,
        token: options.token,
        certificateAuthorityPem: options.certificateAuthorityPem,
      });
      try {
        const list = await client.getPath<ProxyStatusList>(`${PROXY_STATUS_PATH}?local=true`, {
          timeoutMs: REPLICA_PROXY_STATUS_TIMEOUT_MS,
        });
        return { items: list.items.map((item) => ({ ...item, controlPlane: replica.discoveryAddress })) };
      } catch (err) {
        return { unreachable: { controlPlane: replica.discoveryAddress, error: (err as Error).message } };
      }
    }),
  );
  const unreachable = answers.flatMap((a) => (a.unreachable === undefined ? [] : [a.unreachable]));
  return {
    ...own,
    items: [...own.items, ...answers.flatMap((a) => a.items ?? [])],
    ...(unreachable.length === 0 ? {} : { unreachableReplicas: unreachable }),
  };
}

/** Mounted before discovery's own handler: answers GET /debug/proxy-status, falls through otherwise. */
export function replicaProxyStatusHandler(
  options: ReplicaProxyStatusOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== PROXY_STATUS_PATH || req.method !== 'GET') return false;
    const answer =
      url.searchParams.get('local') === 'true' ? Promise.resolve(localList(options)) : clusterList(options);
    answer.then(
      (body) => send(res, 200, body),
      (err: unknown) =>
        send(res, 500, { kind: 'Status', status: 'Failure', message: String(err), code: 500 }),
    );
    return true;
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
