// One etcd watch over a key range that survives member failures: when the stream breaks (member
// killed, leader lost, connection reset) it is opened again from the revision after the last one
// delivered, on whichever member the channel reaches. etcd delivers a watch's events exactly once
// and in revision order, and never splits one revision across responses, so resuming from
// "last delivered + 1" has no gap and no duplicate.

import type { EtcdRpc, WatchEventMessage, WatchResponse, WatchStream } from './etcd-rpc.js';

export interface EtcdWatcherOptions {
  key: Buffer;
  rangeEnd: Buffer;
  /** The first revision wanted. */
  startRevision: number;
  /** One response's events (one or more whole revisions), in order. */
  onEvents: (events: WatchEventMessage[]) => void;
  /** History from startRevision (or from the resume point) is compacted: the watch is over. */
  onCompacted: (compactRevision: number) => void;
}

const RESUME_MIN_MS = 100;
const RESUME_MAX_MS = 2_000;

export class EtcdWatcher {
  private readonly rpc: EtcdRpc;
  private readonly options: EtcdWatcherOptions;
  private next: number;
  private stream: WatchStream | undefined;
  private closed = false;
  private backoffMs = RESUME_MIN_MS;
  private timer: NodeJS.Timeout | undefined;

  constructor(rpc: EtcdRpc, options: EtcdWatcherOptions) {
    this.rpc = rpc;
    this.options = options;
    this.next = options.startRevision;
    this.open();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.stream?.cancel();
    this.stream = undefined;
  }

  private open(): void {
    if (this.closed) return;
    const stream = this.rpc.watch();
    this.stream = stream;
    stream.on('data', (response: WatchResponse) => this.onResponse(stream, response));
    // A cancelled or broken stream ends with an error; both mean "open again" unless closed.
    stream.on('error', () => this.reopen(stream));
    stream.on('end', () => this.reopen(stream));
    stream.write({
      create_request: {
        key: this.options.key,
        range_end: this.options.rangeEnd,
        start_revision: this.next,
        prev_kv: true,
      },
    });
  }

  private onResponse(stream: WatchStream, response: WatchResponse): void {
    if (this.closed || stream !== this.stream) return;
    if (response.compact_revision > 0) {
      this.close();
      this.options.onCompacted(response.compact_revision);
      return;
    }
    if (response.canceled) {
      // e.g. "no leader" on a member cut off from the others: try again, elsewhere.
      this.reopen(stream);
      return;
    }
    if (response.created) this.backoffMs = RESUME_MIN_MS;
    if (response.events.length === 0) return;
    const last = response.events[response.events.length - 1] as WatchEventMessage;
    this.next = last.kv.mod_revision + 1;
    this.options.onEvents(response.events);
  }

  private reopen(stream: WatchStream): void {
    if (this.closed || stream !== this.stream) return;
    this.stream = undefined;
    stream.removeAllListeners('data');
    stream.on('error', () => undefined);
    stream.cancel();
    const delay = this.backoffMs;
    this.backoffMs = Math.min(RESUME_MAX_MS, this.backoffMs * 2);
    this.timer = setTimeout(() => this.open(), delay);
    this.timer.unref();
  }
}
