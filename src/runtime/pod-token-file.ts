// The pod credential the sidecar presents to the CA, kept in the pod's `token` file. A sidecar
// re-reads the file whenever it needs the token (its first certificate, or a new one after its
// certificate ran out), so the file must hold a valid token for as long as the pod runs, not only
// at the sidecar's start: it is written before the pod's first sidecar start, renewed at every
// restart of the sidecar (in the background: the previous token is still valid then) and
// replaced periodically. Minting may be a call to the control plane (a node on another host asks
// the API server's TokenRequest), so it is asynchronous.

import { renameSync, writeFileSync } from 'node:fs';
import type { PodBinding } from '../identity/index.js';
import type { Logger } from '../log/index.js';

export type MintPodToken = (binding: PodBinding) => string | Promise<string>;

/** Half the control plane's pod token lifetime (1 h). */
export const DEFAULT_POD_TOKEN_REFRESH_MS = 30 * 60_000;

export class PodTokenFile {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly binding: PodBinding,
    private readonly mint: MintPodToken | undefined,
    private readonly logger: Logger,
  ) {}

  /** Writes a fresh token atomically (owner-only); nothing when no minter is configured. */
  async write(): Promise<void> {
    if (this.mint === undefined) return;
    const token = await this.mint(this.binding);
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, token, { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  /** write() without waiting: a failure is logged (the file keeps the previous token). */
  renew(): void {
    this.write().catch((err: unknown) =>
      this.logger.warn('pod token refresh failed', { pod: this.binding.pod, error: (err as Error).message }),
    );
  }

  /** Replaces the token every `everyMs` until stop(); a failed refresh is logged and retried next time. */
  refreshEvery(everyMs: number): void {
    if (this.mint === undefined || this.timer !== undefined) return;
    this.timer = setInterval(() => this.renew(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
