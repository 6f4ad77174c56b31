// Who connected to each inbound port, and how (behaviour.md "Migration safety", observed traffic):
// mTLS with a verified identity, plaintext from an address, TLS without the mesh ALPN passed
// through from an address, or refused (and why); with connection and request counts over the
// window, first/last seen, and the connections a shadow policy would have refused. This is what
// tells a team whether a port is ready for STRICT: a plaintext peer seen in the window is a
// client STRICT would break.
//
// A connection is recorded once when admitted or refused; each request on it (each HTTP
// exchange, or the connection itself for TCP) adds one to its peer's count through the tally the
// admission returned: a held reference, a clock read and an array slot, nothing allocated.
// Memory is bounded three ways: counts are kept in WINDOW_SLICES slices of the window (older
// slices are zeroed as time moves), peers unseen for a window are forgotten, and a port keeps at
// most MAX_PEERS_PER_PORT (the least recently seen goes first), so a scan from many addresses
// cannot grow it.

import type { Admission } from './admission.js';
import { DEFAULT_OBSERVATION_WINDOW_MS, WINDOW_SLICES, WindowedCount } from '../windowed-count.js';

/** How a peer arrived: the admission kinds, plus connections the sidecar refused. */
export type Arrival = Admission['kind'] | 'refused';

/** A connection a shadow policy's mode would have refused (and the sidecar let in). */
export interface ShadowRefusal {
  /** `plaintext_on_strict`, as the listener would say it. */
  reason: string;
  /** The shadow policy: `PeerAuthentication full/strict`. */
  policy: string;
}

export interface ObservedPeer {
  arrival: Arrival;
  /** The SPIFFE ID for mTLS; the source address otherwise. */
  peer: string;
  /** The source address (for mTLS too: it names the pod, where the identity names an account). */
  address: string;
  /** Connections in the window. */
  connections: number;
  /** Requests in the window: HTTP exchanges, or one per connection for TCP and refusals. */
  requests: number;
  /** For `refused`: why the last one was. */
  reason?: string;
  /** Connections in the window a shadow policy would have refused, and why the last one. */
  shadow?: { refusals: number } & ShadowRefusal;
  firstSeen: number;
  lastSeen: number;
}

/** One per admitted connection: counts that connection's requests on its peer. */
export interface PeerTally {
  request(): void;
}

export interface PeerObservationsOptions {
  /**
   * A peer's first connection in the window that a shadow policy would have refused: for the
   * sidecar's log (once per peer and port per window, where the counts take every one).
   */
  onShadowRefusal?: (port: number, peer: ObservedPeer) => void;
}

export const MAX_PEERS_PER_PORT = 256;
export { DEFAULT_OBSERVATION_WINDOW_MS };

class PeerRecord implements PeerTally {
  readonly connections: WindowedCount;
  readonly requests: WindowedCount;
  shadowRefusals: WindowedCount | undefined;
  shadow: ShadowRefusal | undefined;
  reason: string | undefined;
  readonly firstSeen: number;
  lastSeen: number;
  /** False once forgotten: a request on a connection still open brings it back. */
  live = true;

  constructor(
    private readonly owner: PeerObservations,
    readonly port: number,
    readonly key: string,
    readonly arrival: Arrival,
    readonly peer: string,
    readonly address: string,
    now: number,
  ) {
    const sliceMs = owner.windowMs / WINDOW_SLICES;
    this.connections = new WindowedCount(sliceMs);
    this.requests = new WindowedCount(sliceMs);
    this.firstSeen = now;
    this.lastSeen = now;
  }

  request(): void {
    this.owner.requested(this);
  }

  view(now: number): ObservedPeer {
    const refusals = this.shadowRefusals?.total(now) ?? 0;
    return {
      arrival: this.arrival,
      peer: this.peer,
      address: this.address,
      connections: this.connections.total(now),
      requests: this.requests.total(now),
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      ...(this.shadow === undefined || refusals === 0 ? {} : { shadow: { refusals, ...this.shadow } }),
      firstSeen: this.firstSeen,
      lastSeen: this.lastSeen,
    };
  }
}

interface WatchedPort {
  /** Since when the port has been watched under its current mode. */
  since: number;
  peers: Map<string, PeerRecord>;
}

export class PeerObservations {
  private readonly ports = new Map<number, WatchedPort>();

  constructor(
    private window = DEFAULT_OBSERVATION_WINDOW_MS,
    private readonly now: () => number = Date.now,
    private readonly options: PeerObservationsOptions = {},
  ) {}

  get windowMs(): number {
    return this.window;
  }

  /**
   * A new observation window (the mesh value changed): counts kept in the old one's slices say
   * nothing about the new one, so every port is watched afresh, as after a mode change.
   */
  setWindow(windowMs: number): void {
    if (windowMs === this.window) return;
    this.window = windowMs;
    for (const port of [...this.ports.keys()]) {
      this.forget(port);
      this.watch(port);
    }
  }

  /**
   * The port is watched from now on under a new mode (its listener started, or its mode changed):
   * what was seen before says nothing about the new mode, so readiness waits a whole window again.
   */
  watch(port: number): void {
    this.ports.set(port, {
      since: this.now(),
      peers: this.ports.get(port)?.peers ?? new Map<string, PeerRecord>(),
    });
  }

  /** The listener is gone: nothing more will be seen on the port. */
  forget(port: number): void {
    const watched = this.ports.get(port);
    if (watched !== undefined) for (const p of watched.peers.values()) p.live = false;
    this.ports.delete(port);
  }

  /**
   * An admitted connection: `peer` is the SPIFFE ID for mTLS, the source address otherwise.
   * `shadow`: the shadow policy's mode would have refused it. The tally counts its requests.
   */
  admitted(port: number, admission: Admission, address: string, shadow?: ShadowRefusal): PeerTally {
    const record =
      admission.kind === 'mtls'
        ? this.record(port, 'mtls', admission.peer, address)
        : this.record(port, admission.kind, address, address);
    if (shadow !== undefined) {
      const now = record.lastSeen;
      record.shadowRefusals ??= new WindowedCount(this.windowMs / WINDOW_SLICES);
      const first = record.shadowRefusals.total(now) === 0;
      record.shadowRefusals.add(now);
      record.shadow = shadow;
      if (first) this.options.onShadowRefusal?.(port, record.view(now));
    }
    return record;
  }

  /** A refused connection counts as one request: the client's one attempt failed. */
  refused(port: number, address: string, reason: string): void {
    const record = this.record(port, 'refused', address, address);
    record.reason = reason;
    record.requests.add(record.lastSeen);
  }

  /** Peers seen within the window, per port (sorted), most recently seen first (ties: by arrival, then peer, then address). */
  view(): { port: number; observedSince: number; peers: ObservedPeer[] }[] {
    const now = this.now();
    const cutoff = now - this.windowMs;
    return [...this.ports.keys()]
      .sort((a, b) => a - b)
      .map((port) => {
        const { since, peers } = this.ports.get(port)!;
        for (const [key, p] of peers) {
          if (p.lastSeen < cutoff) {
            p.live = false;
            peers.delete(key);
          }
        }
        const sorted = [...peers.values()].sort(
          (a, b) => b.lastSeen - a.lastSeen || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
        );
        return { port, observedSince: since, peers: sorted.map((p) => p.view(now)) };
      });
  }

  /** A request on a connection of `record`'s peer (PeerRecord.request). */
  requested(record: PeerRecord): void {
    const now = this.now();
    record.requests.add(now);
    record.lastSeen = now;
    if (!record.live) this.revive(record, now);
  }

  private record(port: number, arrival: Arrival, peer: string, address: string): PeerRecord {
    let watched = this.ports.get(port);
    const now = this.now();
    if (watched === undefined) {
      watched = { since: now, peers: new Map() };
      this.ports.set(port, watched);
    }
    const key = `${arrival}|${peer}|${address}`;
    let record = watched.peers.get(key);
    if (record === undefined) {
      record = new PeerRecord(this, port, key, arrival, peer, address, now);
      this.insert(watched.peers, record, now);
    }
    record.connections.add(now);
    record.lastSeen = now;
    return record;
  }

  /** A forgotten peer whose open connection carried a request: counted again from its record. */
  private revive(record: PeerRecord, now: number): void {
    const watched = this.ports.get(record.port);
    if (watched === undefined) return; // the listener is gone
    const current = watched.peers.get(record.key);
    if (current !== undefined) {
      current.requests.add(now);
      current.lastSeen = now;
      return;
    }
    record.live = true;
    this.insert(watched.peers, record, now);
  }

  private insert(peers: Map<string, PeerRecord>, record: PeerRecord, now: number): void {
    if (peers.size >= MAX_PEERS_PER_PORT) this.evictOne(peers, now);
    peers.set(record.key, record);
  }

  /** Drops what the window forgot, or else the least recently seen peer. Runs only when a port is full. */
  private evictOne(peers: Map<string, PeerRecord>, now: number): void {
    const cutoff = now - this.windowMs;
    let oldestKey: string | undefined;
    let oldest = Infinity;
    for (const [key, p] of peers) {
      if (p.lastSeen < cutoff) {
        p.live = false;
        peers.delete(key);
      } else if (p.lastSeen < oldest) {
        oldest = p.lastSeen;
        oldestKey = key;
      }
    }
    if (peers.size >= MAX_PEERS_PER_PORT && oldestKey !== undefined) {
      peers.get(oldestKey)!.live = false;
      peers.delete(oldestKey);
    }
  }
}
