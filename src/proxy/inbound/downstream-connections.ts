// The admitted downstream connections of one inbound listener, each with how it was let in, so
// that a mode change reaches connections that are already open.

import type { Socket } from 'node:net';
import type { ServerMode } from '../../api/index.js';
import { modeAdmits } from './admission.js';
import type { Admission } from './admission.js';

/** Why the sidecar closed a downstream connection on its own (a metric label). */
export type RetireReason = 'mode_change';

/** What an HTTP session offers for closing it between exchanges (see HttpSession). */
export interface ExchangeCloser {
  closeAfterExchange(): void;
}

export interface DownstreamConnectionsConfig {
  /** Called once per connection the registry decides to close. */
  onRetire: (reason: RetireReason) => void;
}

interface Entry {
  readonly admission: Admission;
  /** Closes the connection as soon as it can: at once until an HTTP session serves it. */
  retire: () => void;
  retired: boolean;
}

export class DownstreamConnections {
  private readonly open = new Map<Socket, Entry>();

  constructor(private readonly config: DownstreamConnectionsConfig) {}

  /**
   * Tracks an admitted connection (the socket that carries its bytes: the TLS socket for mTLS)
   * until it closes. Until `servesHttp` is called it is an L4 pipe, or still being sniffed: it is
   * closed at once when retired, as a raw stream has no boundary to wait for.
   */
  track(socket: Socket, admission: Admission): void {
    const entry: Entry = { admission, retire: () => socket.destroy(), retired: false };
    this.open.set(socket, entry);
    socket.once('close', () => this.open.delete(socket));
  }

  /** From now an HTTP session serves the connection: it is retired after its exchange. */
  servesHttp(socket: Socket, session: ExchangeCloser): void {
    const entry = this.open.get(socket);
    if (entry === undefined) return; // closed while its protocol was sniffed
    entry.retire = () => session.closeAfterExchange();
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
    this.config.onRetire(reason);
    entry.retire();
  }
}
