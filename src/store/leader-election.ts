// Work that must run on one control-plane replica at a time (the Endpoints writer, the scheduler,
// status writes, token-key rotation): each piece names itself and gives how to start it; the
// election starts it on the replica that leads that name and stops it there when leadership goes.
//
// On a store only one process opens (SQLite, memory) there is one replica, so it always leads
// (AlwaysLeader). On etcd, replicas campaign with a lease (etcd-leader-election.ts).

/** Stops what a start began; awaited before leadership is given up or the election closes. */
export type StopWork = () => void | Promise<void>;

/** Begins the work; returns how to stop it. A start that throws is logged and tried again later. */
export type StartWork = () => StopWork | Promise<StopWork>;

export interface LeaderElection {
  /**
   * Runs `start` whenever this replica leads `name` (one name per piece of work, e.g.
   * 'endpoints-writer'), and its stop when it no longer does. The answer withdraws: stops the work
   * if it runs here and gives `name` up, so another replica can take it.
   */
  runWhileLeader(name: string, start: StartWork): () => Promise<void>;
  /** Whether this replica leads `name` right now (what /readyz-like answers and tests ask). */
  isLeader(name: string): boolean;
  /** Stops every work running here and resigns every name at once (no wait for a lease to expire). */
  close(): Promise<void>;
}

/** The one replica of a one-process store: every name is led here from the first call. */
export class AlwaysLeader implements LeaderElection {
  private readonly running = new Map<string, Promise<StopWork | undefined>>();

  runWhileLeader(name: string, start: StartWork): () => Promise<void> {
    if (this.running.has(name)) throw new Error(`work "${name}" already runs under this election`);
    const started = Promise.resolve()
      .then(start)
      .catch((err: unknown) => {
        process.emitWarning(`work "${name}" failed to start: ${String(err)}`);
        return undefined;
      });
    this.running.set(name, started);
    return async () => {
      if (this.running.get(name) !== started) return;
      this.running.delete(name);
      await (
        await started
      )?.();
    };
  }

  isLeader(name: string): boolean {
    return this.running.has(name);
  }

  async close(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    for (const started of all) await (await started)?.();
  }
}
