// Periodic compaction of etcd's history, done once per interval however many replicas run it.
//
// The approach of kube-apiserver's compactor: one key whose *version* (how many times it was
// written) is a logical clock shared by the replicas. Each round a replica writes the key only if
// its version is still the one this replica saw last round (a transaction comparing it); the one
// that wins compacts etcd to the revision it saw at its previous round, so at least one interval of
// history is always kept. The others lose the comparison, learn the new version and the revision
// compacted (the key's value), and try again next round. A replica whose rounds come right after
// the winner's keeps losing while the winner lives; when it dies, the next round of another wins,
// so compactions are then between one and two intervals apart.

import type { Logger } from '../../log/index.js';
import type { EtcdRpc } from './etcd-rpc.js';

/** kube-apiserver's default --etcd-compaction-interval. */
export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60 * 1000;

export interface EtcdCompactorOptions {
  rpc: EtcdRpc;
  key: Buffer;
  intervalMs: number;
  /** A compaction to this revision is known (done here, or learned from the key). */
  onCompacted: (revision: number) => void;
  logger: Logger;
}

export interface CompactionRound {
  /** This replica won the round (wrote the key). */
  won: boolean;
  /** The revision compacted to by this round's winner; 0 when nothing was compacted. */
  compacted: number;
}

/** etcd's answer when the revision asked for is already compacted (another compaction got there). */
const ALREADY_COMPACTED = /required revision has been compacted/;

export class EtcdCompactor {
  private readonly options: EtcdCompactorOptions;
  /** The key's version as this replica last saw it. */
  private clock = 0;
  /** The etcd revision seen at this replica's previous round: what the next win compacts to. */
  private previousRevision = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(options: EtcdCompactorOptions) {
    this.options = options;
  }

  /** Rounds every intervalMs, the first one interval from now (no compaction at start). */
  start(): void {
    const tick = (): void => {
      this.running = this.round()
        .catch((err: unknown) =>
          this.options.logger.warn('etcd compaction round failed', { err: String(err) }),
        )
        .finally(() => {
          this.running = undefined;
          if (this.timer !== undefined) schedule();
        });
    };
    const schedule = (): void => {
      this.timer = setTimeout(tick, this.options.intervalMs);
      this.timer.unref();
    };
    schedule();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round: a transaction on the clock key; the winner compacts. */
  async round(): Promise<CompactionRound> {
    const { rpc, key } = this.options;
    const response = await rpc.txn({
      compare: [{ result: 'EQUAL', target: 'VERSION', key, version: this.clock }],
      success: [{ request_put: { key, value: Buffer.from(String(this.previousRevision)) } }],
      failure: [{ request_range: { key } }],
    });
    const seen = response.header.revision;
    if (!response.succeeded) {
      const kv = response.responses[0]?.response_range?.kvs[0];
      this.clock = kv?.version ?? 0;
      this.previousRevision = seen;
      const compacted = Number(kv?.value.toString() ?? 0);
      if (compacted > 0) this.options.onCompacted(compacted);
      return { won: false, compacted };
    }
    this.clock += 1;
    const target = this.previousRevision;
    this.previousRevision = seen;
    if (target === 0) return { won: true, compacted: 0 };
    await compactTo(rpc, target);
    this.options.onCompacted(target);
    this.options.logger.info('etcd history compacted', { revision: target });
    return { won: true, compacted: target };
  }
}

/** Compacts etcd to `revision`; one that is already compacted further is fine. */
export async function compactTo(rpc: EtcdRpc, revision: number): Promise<void> {
  try {
    await rpc.compact(revision);
  } catch (err) {
    if (!ALREADY_COMPACTED.test(String((err as { details?: string }).details ?? err))) throw err;
  }
}
