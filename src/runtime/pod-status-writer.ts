// Writes one pod's status as its worker reports it: at most one write in flight, the latest status
// wins (intermediate ones are skipped), nothing after the pod is gone. The whole stored object is
// replaced without a version check: on this node the agent is the authority on its pods' status
// (a Ready=False the node lifecycle controller wrote while the node looked dead is overwritten).

import type { Pod } from '../api/index.js';
import { withoutVersion } from '../controlplane/index.js';
import type { Logger } from '../log/index.js';
import type { RuntimeBackend } from './runtime-backend.js';

type PodStatus = NonNullable<Pod['status']>;

export class PodStatusWriter {
  private pending: PodStatus | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private pod: Pod,
    private readonly backend: RuntimeBackend,
    private readonly logger: Logger,
  ) {}

  /** The pod as last written (or as given). */
  get current(): Pod {
    return this.pod;
  }

  /** Replaces the object the next write starts from (labels changed in the store, say). */
  rebase(stored: Pod): void {
    this.pod = { ...stored, status: this.pod.status ?? {} };
  }

  write(status: PodStatus): void {
    if (this.closed) return;
    this.pending = status;
    this.writing ??= this.flush().finally(() => (this.writing = undefined));
  }

  /** Writes `status` now, creating no new pending write; throws when the write fails. */
  async writeNow(status: PodStatus): Promise<Pod> {
    this.pod = (await this.backend.update(withoutVersion({ ...this.pod, status }))) as Pod;
    return this.pod;
  }

  private async flush(): Promise<void> {
    while (this.pending !== undefined && !this.closed) {
      const status = this.pending;
      this.pending = undefined;
      try {
        await this.writeNow(status);
      } catch (err) {
        this.logger.debug('pod status not written', { pod: this.pod.metadata.name, err });
      }
    }
  }

  /** Resolves once no write is in flight. */
  async idle(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  close(): void {
    this.closed = true;
    this.pending = undefined;
  }
}
