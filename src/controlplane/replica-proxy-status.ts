// `GET /debug/proxy-status` and `GET /debug/sync` across control-plane replicas: each replica
// knows only the sidecars streaming from it, so the one asked answers for its own and asks every
// other live replica for theirs (`local=true`, with the admin credential the replicas share), as
// istioctl proxy-status asks every istiod. Each proxy-status item names the replica it streams
// from (its discovery address). A sync waits here first, then at the others for the same store
// revision within what is left of the timeout. A replica that is announced but does not answer
// (dead, its lease not yet expired) is reported in proxy-status and left out of a sync: its
// sidecars move to a live replica and get the latest there.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiClient } from './client/index.js';
import {
  DEFAULT_CONVERGENCE_TIMEOUT_MS,
  MAX_SYNC_TIMEOUT_MS,
  PROXY_STATUS_PATH,
  SYNC_PATH,
  type ConvergenceResult,
  type ProxyStatusList,
  type ProxyStatusView,
} from './discovery/index.js';
import type { ReplicaEndpoints } from './replica-endpoints.js';

/** How long one other replica may take to answer (beyond the sync's own timeout). */
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

async function otherReplicas(options: ReplicaProxyStatusOptions): Promise<ReplicaEndpoints[]> {
  const self = options.self().discoveryAddress;
  return (await options.replicas()).filter((r) => r.discoveryAddress !== self);
}

function clientOf(options: ReplicaProxyStatusOptions, replica: ReplicaEndpoints): ApiClient {
  return new ApiClient({
    server: replica.apiServer,
    token: options.token,
    certificateAuthorityPem: options.certificateAuthorityPem,
  });
}

async function clusterList(options: ReplicaProxyStatusOptions): Promise<ProxyStatusList> {
  const own = localList(options);
  const answers = await Promise.all(
    (await otherReplicas(options)).map(async (replica) => {
      try {
        const list = await clientOf(options, replica).getPath<ProxyStatusList>(
          `${PROXY_STATUS_PATH}?local=true`,
          { timeoutMs: REPLICA_PROXY_STATUS_TIMEOUT_MS },
        );
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

async function clusterSync(
  options: ReplicaProxyStatusOptions,
  params: URLSearchParams,
): Promise<ConvergenceResult> {
  const started = Date.now();
  // As discovery's own handler reads it: bounded, the default when absent or not a number.
  const asked = Number(params.get('timeoutMs') ?? DEFAULT_CONVERGENCE_TIMEOUT_MS);
  const timeoutMs =
    Number.isFinite(asked) && asked >= 0
      ? Math.min(asked, MAX_SYNC_TIMEOUT_MS)
      : DEFAULT_CONVERGENCE_TIMEOUT_MS;
  const left = (): number => Math.max(0, timeoutMs - (Date.now() - started));
  const pods = params.getAll('pod').map((p) => {
    const [namespace = '', name = ''] = p.split('/', 2);
    return { namespace, name };
  });
  const own = await options.local.waitForConvergence({
    timeoutMs,
    ...(pods.length === 0 ? {} : { affectedPods: pods }),
  });
  const query = new URLSearchParams(params);
  query.set('local', 'true');
  query.set('revision', String(own.revision));
  query.set('timeoutMs', String(left()));
  const answers = await Promise.all(
    (await otherReplicas(options)).map((replica) =>
      clientOf(options, replica)
        .getPath<ConvergenceResult>(`${SYNC_PATH}?${query.toString()}`, {
          timeoutMs: left() + REPLICA_PROXY_STATUS_TIMEOUT_MS,
        })
        .catch(() => undefined),
    ),
  );
  const answered = answers.filter((a): a is ConvergenceResult => a !== undefined);
  return {
    converged: own.converged && answered.every((a) => a.converged),
    revision: own.revision,
    notSynced: [...own.notSynced, ...answered.flatMap((a) => a.notSynced)],
    proxies: own.proxies + answered.reduce((sum, a) => sum + a.proxies, 0),
  };
}

/**
 * Mounted before discovery's own handler: answers GET /debug/proxy-status and /debug/sync across
 * replicas. Asked by another replica (`local=true`): its own proxy-status, or discovery's sync.
 */
export function replicaProxyStatusHandler(
  options: ReplicaProxyStatusOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return false;
    const local = url.searchParams.get('local') === 'true';
    let answer: Promise<unknown>;
    if (url.pathname === PROXY_STATUS_PATH) {
      answer = local ? Promise.resolve(localList(options)) : clusterList(options);
    } else if (url.pathname === SYNC_PATH && !local) {
      answer = clusterSync(options, url.searchParams).then((r) => ({ kind: 'SyncResult', ...r }));
    } else return false;
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
