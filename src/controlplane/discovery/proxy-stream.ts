// One proxy's outgoing queue, holding at most one snapshot: the latest. One write is in flight at
// a time; a proxy that stops reading stalls only its own writes (HTTP/2 flow control), and when
// it drains it jumps straight to the newest snapshot, skipping the ones it missed.

import type { ProxySnapshot } from '../../api/index.js';
import { encodeSnapshotMessage } from './snapshot-json.js';

/** A snapshot as it goes on the wire: its version and its encoded SnapshotMessage. */
export interface OutgoingSnapshot {
  version: string;
  payload: Buffer;
}

/** The transport under a stream: `done` runs once the message has been handed to the peer. */
export interface SnapshotWriter {
  write(message: OutgoingSnapshot, done: (err?: Error | null) => void): void;
}

export class ProxyStream {
  private readonly writer: SnapshotWriter;
  private readonly onSent: (version: string) => void;
  private readonly gzip: boolean;
  private pending: ProxySnapshot | undefined;
  private inFlight = false;
  private closed = false;
  private queuedVersion: string | undefined;

  /** `gzip`: the proxy said it accepts compressed snapshots. */
  constructor(writer: SnapshotWriter, onSent: (version: string) => void, options: { gzip?: boolean } = {}) {
    this.writer = writer;
    this.onSent = onSent;
    this.gzip = options.gzip === true;
  }

  /** The newest version handed to this stream (sent or waiting). */
  latestVersion(): string | undefined {
    return this.queuedVersion;
  }

  /**
   * Replaces whatever is waiting with this snapshot and writes it when the previous write is done.
   * It is encoded only when its turn comes, so a waiting snapshot costs no more than a reference.
   */
  send(snapshot: ProxySnapshot): void {
    if (this.closed) return;
    this.queuedVersion = snapshot.version;
    this.pending = snapshot;
    this.pump();
  }

  close(): void {
    this.closed = true;
    this.pending = undefined;
  }

  private pump(): void {
    if (this.inFlight || this.closed || this.pending === undefined) return;
    const snapshot = this.pending;
    this.pending = undefined;
    this.inFlight = true;
    this.onSent(snapshot.version);
    const payload = encodeSnapshotMessage(snapshot, { gzip: this.gzip });
    this.writer.write({ version: snapshot.version, payload }, (err) => {
      this.inFlight = false;
      if (err != null) {
        this.close();
        return;
      }
      this.pump();
    });
  }
}
