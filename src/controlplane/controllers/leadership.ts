// The seam between work that must happen once across control-plane replicas (the controllers) and
// whoever decides which replica does it. A replica alone always leads (SOLE_REPLICA); an election
// (etcd lease, see the replicas work) implements the same interface, so swapping it in is one line
// in control-plane.ts.

/** What a replica does while it leads. `stop` resolves once nothing of it runs any more. */
export interface LeaderWork {
  start(): void;
  stop(): Promise<void>;
}

export interface Leadership {
  /**
   * Runs `work` while this replica leads: start() on winning, stop() on losing, again and again.
   * Resolves the returned function once the replica no longer takes part and the work is stopped.
   */
  follow(work: LeaderWork): () => Promise<void>;
}

/** One replica: it leads from the start until it closes. */
export const SOLE_REPLICA: Leadership = {
  follow(work) {
    work.start();
    return () => work.stop();
  },
};
