// What this client sidecar sent to each destination endpoint, and why (behaviour.md "Migration
// safety", observed traffic, client side): the service and endpoint, the TLS the policy engine
// chose for it (mesh mTLS, plaintext, ... or nothing: REFUSE under require-mTLS) with the
// engine's reason, and how many requests went there in the window, how many failed, first/last
// seen. Istio's client-side metrics say `unknown` for this; here the reason is the snapshot's.
//
// One record per (service port, endpoint, TLS mode), found through the pool key of the
// connection a request used (OutboundTable.destinationOf) and held by the connection (tally), so
// a request costs a clock read and an array slot or two, no lookup. Bounded like the inbound peers: windowed counts,
// records unseen for a window forgotten, at most MAX_DESTINATIONS (least recently seen first).
import type { UpstreamTlsMode } from '../../api/index.js';
import { DEFAULT_OBSERVATION_WINDOW_MS, WINDOW_SLICES, WindowedCount } from '../windowed-count.js';

/** One endpoint of one service port as the snapshot in force describes it. */
export interface Destination {
  /** The service FQDN. */
  service: string;
  servicePort: number;
  address: string;
  /** The workload port. */
  port: number;
  pod: string;
  namespace: string;
  /** What the policy engine chose to send: `ISTIO_MUTUAL`, `DISABLE`, ..., `REFUSE` (nothing). */
  sent: UpstreamTlsMode;
  reason: string;
  /** Auto mTLS chose plaintext for it (UpstreamTls `downgrade`). */
  downgrade?: true;
}

export interface ObservedDestination extends Destination {
  requests: number;
  /** Requests answered with a 5xx or not at all (status 0), the sidecar's own 503s included. */
  failures: number;
  firstSeen: number;
  lastSeen: number;
}

export const MAX_DESTINATIONS = 1024;

/** What a connection holds for its destination: counts one finished request. */
export interface DestinationTally {
  request(status: number): void;
}

class DestinationRecord implements DestinationTally {
  readonly requests: WindowedCount;
  readonly failures: WindowedCount;
  readonly firstSeen: number;
  lastSeen: number;
  /** False once forgotten: a request on a connection still open brings it back. */
  live = true;

  constructor(
    private readonly owner: DestinationObservations,
    readonly key: string,
    public destination: Destination,
    sliceMs: number,
    now: number,
  ) {
    this.requests = new WindowedCount(sliceMs);
    this.failures = new WindowedCount(sliceMs);
    this.firstSeen = now;
    this.lastSeen = now;
  }

  request(status: number): void {
    this.owner.requested(this, status);
  }
}

export class DestinationObservations {
  private readonly records = new Map<string, DestinationRecord>();

  constructor(
    private window = DEFAULT_OBSERVATION_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get windowMs(): number {
    return this.window;
  }

  /** A new observation window: what was counted in the old one's slices is dropped. */
  setWindow(windowMs: number): void {
    if (windowMs === this.window) return;
    this.window = windowMs;
    for (const r of this.records.values()) r.live = false;
    this.records.clear();
  }

  /** A finished request to `destination` with the status the app saw (0: none). */
  request(destination: Destination, status: number): void {
    this.tally(destination).request(status);
  }

  /** The record requests to `destination` count on (for a connection to hold). */
  tally(destination: Destination): DestinationTally {
    return this.recordFor(destination, this.now());
  }

  /** A finished request (DestinationRecord.request). */
  requested(record: DestinationRecord, status: number): void {
    const now = this.now();
    let counted = record;
    if (!record.live) counted = this.recordFor(record.destination, now);
    counted.requests.add(now);
    if (status === 0 || status >= 500) counted.failures.add(now);
    counted.lastSeen = now;
  }

  /** Destinations seen within the window, most recently seen first. */
  view(): ObservedDestination[] {
    const now = this.now();
    const cutoff = now - this.windowMs;
    for (const [key, r] of this.records) {
      if (r.lastSeen < cutoff) {
        r.live = false;
        this.records.delete(key);
      }
    }
    return [...this.records.values()]
      .sort((a, b) => b.lastSeen - a.lastSeen || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((r) => ({
        ...r.destination,
        requests: r.requests.total(now),
        failures: r.failures.total(now),
        firstSeen: r.firstSeen,
        lastSeen: r.lastSeen,
      }));
  }

  private recordFor(d: Destination, now: number): DestinationRecord {
    const key = `${d.service}:${d.servicePort}|${d.address}:${d.port}|${d.sent}`;
    let record = this.records.get(key);
    if (record === undefined) {
      if (this.records.size >= MAX_DESTINATIONS) this.evictOne(now);
      record = new DestinationRecord(this, key, d, this.window / WINDOW_SLICES, now);
      this.records.set(key, record);
    }
    // The reason may change with a new snapshot while the TLS mode stays: the latest is shown.
    record.destination = d;
    return record;
  }

  private evictOne(now: number): void {
    const cutoff = now - this.windowMs;
    let oldestKey: string | undefined;
    let oldest = Infinity;
    for (const [key, r] of this.records) {
      if (r.lastSeen < cutoff) {
        r.live = false;
        this.records.delete(key);
      } else if (r.lastSeen < oldest) {
        oldest = r.lastSeen;
        oldestKey = key;
      }
    }
    if (this.records.size >= MAX_DESTINATIONS && oldestKey !== undefined) {
      this.records.get(oldestKey)!.live = false;
      this.records.delete(oldestKey);
    }
  }
}
