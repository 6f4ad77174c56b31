// `apply --wait`: resolve once the control plane has seen every write made so far, pushed the
// result, and every (affected) connected proxy has acked the snapshot it is meant to have; or,
// at the timeout, say which proxies did not. A proxy that nacked its snapshot will not catch up,
// so it ends the wait early, reported as not synced.

import type { MeshStateSource } from '../registry/index.js';
import type { ProxyStatus } from './proxy-status-registry.js';
import type { PushController } from './push-controller.js';
import { podKey } from './snapshot-provider.js';

export interface ConvergenceOptions {
  /** Only these pods (`{namespace, name}`); absent means every connected proxy. */
  affectedPods?: readonly { namespace: string; name: string }[];
  timeoutMs: number;
  /** Wait for the state of this store revision; absent means the store's latest at the call. */
  revision?: number;
}

export interface ConvergenceResult {
  /** Every (affected) connected proxy acked its current snapshot. */
  converged: boolean;
  /** The store revision waited for. */
  revision: number;
  /** Proxies that had not acked when the wait ended (nacked, or still on an older version). */
  notSynced: ProxyStatus[];
  /** How many proxies were waited for. */
  proxies: number;
}

type Verdict = 'synced' | 'refused' | 'pending';

/** Coalescing window for convergence checks: bounds their cost, adds at most this much latency. */
const CHECK_INTERVAL_MS = 5;

function verdictOf(status: Readonly<Omit<ProxyStatus, 'synced'>>): Verdict {
  if (status.desiredVersion === undefined || status.ackedVersion === status.desiredVersion) return 'synced';
  if (status.nackedVersion === status.desiredVersion) return 'refused';
  return 'pending';
}

export function waitForConvergence(
  source: MeshStateSource,
  controller: PushController,
  options: ConvergenceOptions,
): Promise<ConvergenceResult> {
  const revision = options.revision ?? source.latestRevision();
  const wanted =
    options.affectedPods === undefined
      ? undefined
      : new Set(options.affectedPods.map((p) => podKey(p.namespace, p.name)));
  const isRelevant = (s: { namespace: string; pod: string }): boolean =>
    wanted === undefined || wanted.has(podKey(s.namespace, s.pod));
  const relevant = (): ProxyStatus[] => controller.status.list().filter(isRelevant);
  return new Promise((resolve) => {
    const unsubscribers: (() => void)[] = [];
    let scheduled = false;
    let done = false;
    const finish = (converged: boolean, statuses: ProxyStatus[]): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const u of unsubscribers) u();
      const notSynced = statuses.filter((s) => verdictOf(s) !== 'synced');
      resolve({
        converged: converged && notSynced.length === 0,
        revision,
        notSynced,
        proxies: statuses.length,
      });
    };
    const check = (): void => {
      scheduled = false;
      if (done || source.revision() < revision || controller.pushPending()) return;
      if (!controller.status.some((s) => isRelevant(s) && verdictOf(s) === 'pending'))
        finish(true, relevant());
    };
    // A thousand acks arrive over many turns of the event loop: check at most every few ms.
    const schedule = (): void => {
      if (scheduled) return;
      scheduled = true;
      setTimeout(check, CHECK_INTERVAL_MS);
    };
    const timer = setTimeout(() => finish(false, relevant()), options.timeoutMs);
    unsubscribers.push(
      controller.status.onChange(schedule),
      source.onRevision(schedule),
      controller.onRebuild(schedule),
    );
    schedule();
  });
}
