// Who connected to each inbound port, and how (behaviour.md "Migration safety", observed traffic):
// mTLS with a verified identity, plaintext from an address, TLS without the mesh ALPN passed
// through from an address, or refused (and why). This is what tells a team whether a port is
// ready for STRICT: a plaintext peer seen in the window is a client STRICT would break.
//
// Recorded once per connection, never per request or byte (the data path stays as it was). Memory
// is bounded twice: peers unseen for a window are forgotten, and a port keeps at most
// MAX_PEERS_PER_PORT (the least recently seen goes first), so a scan from many addresses cannot
// grow it.

import type { Admission } from './admission.js';

/** How a peer arrived: the admission kinds, plus connections the sidecar refused. */
export type Arrival = Admission['kind'] | 'refused';

export interface ObservedPeer {
  arrival: Arrival;
  /** The SPIFFE ID for mTLS; the source address otherwise. */
  peer: string;
  connections: number;
  /** For `refused`: why the last one was. */
  reason?: string;
  firstSeen: number;
  lastSeen: number;
}

export const MAX_PEERS_PER_PORT = 256;
/** The mesh's default observation window (behaviour.md): 10 minutes. */
export const DEFAULT_OBSERVATION_WINDOW_MS = 10 * 60_000;

interface WatchedPort {
  /** Since when the port has been watched under its current mode. */
  since: number;
  peers: Map<string, ObservedPeer>;
}

export class PeerObservations {
  private readonly ports = new Map<number, WatchedPort>();

  constructor(
    readonly windowMs = DEFAULT_OBSERVATION_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The port is watched from now on under a new mode (its listener started, or its mode changed):
   * what was seen before says nothing about the new mode, so readiness waits a whole window again.
   */
  watch(port: number): void {
    this.ports.set(port, {
      since: this.now(),
      peers: this.ports.get(port)?.peers ?? new Map<string, ObservedPeer>(),
    });
  }

  /** The listener is gone: nothing more will be seen on the port. */
  forget(port: number): void {
    this.ports.delete(port);
  }

  /** An admitted connection: `peer` is the SPIFFE ID for mTLS, the source address otherwise. */
  admitted(port: number, admission: Admission, address: string): void {
    if (admission.kind === 'mtls') this.record(port, 'mtls', admission.peer);
    else this.record(port, admission.kind, address);
  }

  refused(port: number, address: string, reason: string): void {
    this.record(port, 'refused', address, reason);
  }

  /** Peers seen within the window, per port (sorted), most recently seen first (ties: by arrival, then peer). */
  view(): { port: number; observedSince: number; peers: ObservedPeer[] }[] {
    const cutoff = this.now() - this.windowMs;
    return [...this.ports.keys()]
      .sort((a, b) => a - b)
      .map((port) => {
        const { since, peers } = this.ports.get(port)!;
        for (const [key, p] of peers) if (p.lastSeen < cutoff) peers.delete(key);
        const sorted = [...peers.entries()].sort(
          ([ka, a], [kb, b]) => b.lastSeen - a.lastSeen || (ka < kb ? -1 : ka > kb ? 1 : 0),
        );
        return { port, observedSince: since, peers: sorted.map(([, p]) => ({ ...p })) };
      });
  }

  private record(port: number, arrival: Arrival, peer: string, reason?: string): void {
    let watched = this.ports.get(port);
    if (watched === undefined) {
      watched = { since: this.now(), peers: new Map() };
      this.ports.set(port, watched);
    }
    const peers = watched.peers;
    const now = this.now();
    const key = `${arrival}|${peer}`;
    const seen = peers.get(key);
    if (seen !== undefined) {
      seen.connections++;
      seen.lastSeen = now;
      if (reason !== undefined) seen.reason = reason;
      return;
    }
    if (peers.size >= MAX_PEERS_PER_PORT) this.evictOne(peers, now);
    peers.set(key, {
      arrival,
      peer,
      connections: 1,
      ...(reason === undefined ? {} : { reason }),
      firstSeen: now,
      lastSeen: now,
    });
  }

  /** Drops what the window forgot, or else the least recently seen peer. Runs only when a port is full. */
  private evictOne(peers: Map<string, ObservedPeer>, now: number): void {
    const cutoff = now - this.windowMs;
    let oldestKey: string | undefined;
    let oldest = Infinity;
    for (const [key, p] of peers) {
      if (p.lastSeen < cutoff) peers.delete(key);
      else if (p.lastSeen < oldest) {
        oldest = p.lastSeen;
        oldestKey = key;
      }
    }
    if (peers.size >= MAX_PEERS_PER_PORT && oldestKey !== undefined) peers.delete(oldestKey);
  }
}
