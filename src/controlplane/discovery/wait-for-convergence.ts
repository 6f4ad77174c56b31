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

function verdictOf(status: ProxyStatus): Verdict {
  if (status.desiredVersion === undefined || status.synced) return 'synced';
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
  const relevant = (): ProxyStatus[] =>
    controller.status.list().filter((s) => wanted === undefined || wanted.has(podKey(s.namespace, s.pod)));
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
      const statuses = relevant();
      if (statuses.every((s) => verdictOf(s) !== 'pending')) finish(true, statuses);
    };
    // Many acks arrive together; check once per turn of the event loop, not once per ack.
    const schedule = (): void => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(check);
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
