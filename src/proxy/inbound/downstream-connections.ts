// The admitted downstream connections of one inbound listener, each with how it was let in, so
// that a mode change reaches connections that are already open, and none outlives its maximum age.

import type { Socket } from 'node:net';
import type { ServerMode } from '../../api/index.js';
import { modeAdmits } from './admission.js';
import type { Admission } from './admission.js';

/** setTimeout's longest delay (about 24.8 days): a longer maximum age is cut to it. */
const MAX_TIMER_MS = 2_147_483_647;

/** Why the sidecar closed a downstream connection on its own (a metric label). */
export type RetireReason = 'mode_change' | 'max_age';

/** What an HTTP session offers for closing it between exchanges (see HttpSession). */
export interface ExchangeCloser {
  closeAfterExchange(): void;
}

export interface DownstreamConnectionsConfig {
  /** HTTP connections admitted longer ago than this are closed after their current exchange. */
  maxAgeMs: number;
  /** Called once per connection the registry decides to close. */
  onRetire: (reason: RetireReason) => void;
  /** The clock ages are measured with; Date.now by default. */
  now?: () => number;
}

interface Entry {
  readonly admission: Admission;
  readonly admittedAt: number;
  /** Closes the connection as soon as it can: at once until an HTTP session serves it. */
  retire: () => void;
  ageTimer: NodeJS.Timeout | undefined;
  retired: boolean;
}

export class DownstreamConnections {
  private readonly open = new Map<Socket, Entry>();
  private readonly now: () => number;

  constructor(private readonly config: DownstreamConnectionsConfig) {
    this.now = config.now ?? Date.now;
  }

  /**
   * Tracks an admitted connection (the socket that carries its bytes: the TLS socket for mTLS)
   * until it closes. Until `servesHttp` is called it is an L4 pipe, or still being sniffed: it is
   * closed at once when retired, as a raw stream has no boundary to wait for, and has no maximum
   * age (a long-lived TCP stream cannot be cut cleanly).
   */
  track(socket: Socket, admission: Admission): void {
    const entry: Entry = {
      admission,
      admittedAt: this.now(),
      retire: () => socket.destroy(),
      ageTimer: undefined,
      retired: false,
    };
    this.open.set(socket, entry);
    socket.once('close', () => {
      clearTimeout(entry.ageTimer);
      this.open.delete(socket);
    });
  }

  /** From now an HTTP session serves the connection: it is retired after its exchange, and at its maximum age. */
  servesHttp(socket: Socket, session: ExchangeCloser): void {
    const entry = this.open.get(socket);
    if (entry === undefined) return; // closed while its protocol was sniffed
    entry.retire = () => session.closeAfterExchange();
    const remaining = entry.admittedAt + this.config.maxAgeMs - this.now();
    entry.ageTimer = setTimeout(
      () => this.retire(entry, 'max_age'),
      Math.min(Math.max(0, remaining), MAX_TIMER_MS),
    );
    entry.ageTimer.unref();
  }

  /** Closes every connection that `mode` would not admit (HTTP ones after their exchange); returns how many. */
  enforce(mode: ServerMode): number {
    let closed = 0;
    for (const entry of this.open.values()) {
      if (entry.retired || modeAdmits(mode, entry.admission)) continue;
      this.retire(entry, 'mode_change');
      closed++;
    }
    return closed;
  }

  private retire(entry: Entry, reason: RetireReason): void {
    if (entry.retired) return;
    entry.retired = true;
    clearTimeout(entry.ageTimer);
    this.config.onRetire(reason);
    entry.retire();
  }
}
