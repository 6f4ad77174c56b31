// Read-only HTTP endpoints over discovery, for the API server to mount behind its credential
// check: `GET /debug/proxy-status` (what `automesh proxy-status` prints) and
// `GET /debug/sync?timeoutMs=&pod=ns/name[&revision=N]` (what `automesh apply --wait` waits on).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_CONVERGENCE_TIMEOUT_MS } from './constants.js';
import type { ProxyStatus, PushCounters } from './proxy-status-registry.js';
import type { ConvergenceOptions, ConvergenceResult } from './wait-for-convergence.js';

export interface ProxyStatusView {
  proxyStatus(): ProxyStatus[];
  counters(): PushCounters;
  waitForConvergence(options: ConvergenceOptions): Promise<ConvergenceResult>;
}

export const PROXY_STATUS_PATH = '/debug/proxy-status';
export const SYNC_PATH = '/debug/sync';
/** The longest a sync request may wait, whatever it asks for. */
export const MAX_SYNC_TIMEOUT_MS = 5 * 60_000;

export interface ProxyStatusList {
  kind: 'ProxyStatusList';
  items: ProxyStatus[];
  counters: PushCounters;
  /** Announced replicas that did not answer (replica-proxy-status.ts), with why. */
  unreachableReplicas?: { controlPlane: string; error: string }[];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Parses `pod=ns/name` parameters; undefined when none are given. */
function affectedPods(params: URLSearchParams): { namespace: string; name: string }[] | undefined {
  const pods = params.getAll('pod');
  if (pods.length === 0) return undefined;
  return pods.map((p) => {
    const [namespace = '', name = ''] = p.split('/', 2);
    return { namespace, name };
  });
}

/**
 * A request handler for the two debug paths. Returns false (and writes nothing) for any other
 * request, so the API server can fall through to its own routes. Authentication is the caller's.
 */
export function proxyStatusHandler(
  view: ProxyStatusView,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== PROXY_STATUS_PATH && url.pathname !== SYNC_PATH) return false;
    if (req.method !== 'GET') {
      sendJson(res, 405, { kind: 'Status', status: 'Failure', message: 'only GET is allowed', code: 405 });
      return true;
    }
    if (url.pathname === PROXY_STATUS_PATH) {
      const body: ProxyStatusList = {
        kind: 'ProxyStatusList',
        items: view.proxyStatus(),
        counters: view.counters(),
      };
      sendJson(res, 200, body);
      return true;
    }
    const asked = Number(url.searchParams.get('timeoutMs') ?? DEFAULT_CONVERGENCE_TIMEOUT_MS);
    const timeoutMs =
      Number.isFinite(asked) && asked >= 0
        ? Math.min(asked, MAX_SYNC_TIMEOUT_MS)
        : DEFAULT_CONVERGENCE_TIMEOUT_MS;
    const pods = affectedPods(url.searchParams);
    // Another replica asks with the revision its own wait was for (replica-proxy-status.ts).
    const revision = Number(url.searchParams.get('revision') ?? NaN);
    view
      .waitForConvergence({
        timeoutMs,
        ...(pods === undefined ? {} : { affectedPods: pods }),
        ...(Number.isInteger(revision) && revision >= 0 ? { revision } : {}),
      })
      .then((result) => sendJson(res, 200, { kind: 'SyncResult', ...result }))
      .catch((err: unknown) =>
        sendJson(res, 500, { kind: 'Status', status: 'Failure', message: String(err), code: 500 }),
      );
    return true;
  };
}
