// Holds each discovery stream to the pod its certificate was issued to. A stream is admitted only
// while that pod exists (same UID, not being deleted, same service account), and is closed once
// it no longer does: a deleted pod or namespace must not keep receiving the mesh's configuration
// on a certificate that has not expired yet. Re-checked after every rebuild, which every change
// of the mesh (pods and namespaces included) is followed by.

import type { Logger } from '../../log/index.js';
import type { IsPodCurrent } from '../ca/index.js';

/** The pod a stream speaks for: namespace and service account from its SVID, pod from its binding. */
export interface StreamOwner {
  namespace: string;
  serviceAccount: string;
  pod: string;
  podUid: string;
}

interface Watched {
  owner: StreamOwner;
  close(reason: string): void;
}

export class PodLiveness {
  private readonly streams = new Map<string, Watched>();
  private running = false;
  private again = false;

  constructor(
    private readonly isPodCurrent: IsPodCurrent,
    private readonly logger: Logger,
  ) {}

  /** Whether the owner's pod is there now; asked before a stream is admitted. */
  async admits(owner: StreamOwner): Promise<boolean> {
    return this.isPodCurrent(owner.namespace, owner.pod, owner.podUid, owner.serviceAccount);
  }

  /** Follows an admitted stream; `close` ends it when its pod goes. */
  watch(id: string, owner: StreamOwner, close: (reason: string) => void): void {
    this.streams.set(id, { owner, close });
  }

  forget(id: string): void {
    this.streams.delete(id);
  }

  /** Checks every stream again; a call while a check runs makes one more run after it. */
  recheck(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    const finish = (): void => {
      this.running = false;
      if (!this.again) return;
      this.again = false;
      this.recheck();
    };
    this.checkAll().then(finish, (err: unknown) => {
      this.logger.error('pod liveness check failed', { error: (err as Error).message });
      finish();
    });
  }

  private async checkAll(): Promise<void> {
    const entries = [...this.streams.entries()];
    const verdicts = await Promise.all(entries.map(([, watched]) => this.admits(watched.owner)));
    entries.forEach(([id, watched], i) => {
      if (verdicts[i] === true || this.streams.get(id) !== watched) return;
      this.streams.delete(id);
      const { namespace, pod, podUid } = watched.owner;
      watched.close(`pod ${namespace}/${pod} (uid ${podUid}) is gone or replaced`);
    });
  }
}
