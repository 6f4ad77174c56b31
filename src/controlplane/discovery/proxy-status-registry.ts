// Who is connected and how far each proxy has got: version wanted, sent, acked, refused. The
// source of `automesh proxy-status` and of convergence waits (`apply --wait`).

export interface ProxyStatus {
  /** Connection id, unique for the life of the control plane. */
  id: string;
  pod: string;
  namespace: string;
  /** The SVID the stream authenticated with. */
  spiffeId: string;
  /** RFC 3339. */
  connectedAt: string;
  /** The snapshot version the control plane wants this proxy on; absent while its pod is unknown. */
  desiredVersion?: string;
  sentVersion?: string;
  ackedVersion?: string;
  lastAckAt?: string;
  /** The proxy acked exactly the version the control plane wants. */
  synced: boolean;
  /** The last refused version and why (cleared by a later ack). */
  nackedVersion?: string;
  nackError?: string;
  nacks: number;
  /** The proxy's certificate as it last reported it (absent until it does). */
  certificate?: ProxyCertificate;
  /** The discovery address of the control-plane replica it streams from, when replicas run. */
  controlPlane?: string;
}

/** A proxy's SVID as the proxy reports it; the renewal fields only while renewals fail. */
export interface ProxyCertificate {
  serialNumber: string;
  /** RFC 3339. */
  notAfter: string;
  renewalError?: string;
  /** RFC 3339. */
  renewalFailingSince?: string;
  renewalFailures?: number;
}

export interface PushCounters {
  pushes: number;
  acks: number;
  nacks: number;
}

type Record_ = Omit<ProxyStatus, 'synced'>;

export class ProxyStatusRegistry {
  private readonly records = new Map<string, Record_>();
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly totals: PushCounters = { pushes: 0, acks: 0, nacks: 0 };

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  connected(id: string, pod: string, namespace: string, spiffeId: string): void {
    const connectedAt = new Date(this.now()).toISOString();
    this.records.set(id, { id, pod, namespace, spiffeId, connectedAt, nacks: 0 });
    this.changed();
  }

  disconnected(id: string): void {
    if (this.records.delete(id)) this.changed();
  }

  desired(id: string, version: string | undefined): void {
    this.update(id, (r) => (r.desiredVersion = version));
  }

  sent(id: string, version: string): void {
    this.totals.pushes++;
    this.update(id, (r) => (r.sentVersion = version));
  }

  acked(id: string, version: string): void {
    this.totals.acks++;
    this.update(id, (r) => {
      r.ackedVersion = version;
      r.lastAckAt = new Date(this.now()).toISOString();
      delete r.nackedVersion;
      delete r.nackError;
    });
  }

  nacked(id: string, version: string, error: string): void {
    this.totals.nacks++;
    this.update(id, (r) => {
      r.nackedVersion = version;
      r.nackError = error;
      r.nacks++;
    });
  }

  certificate(id: string, certificate: ProxyCertificate): void {
    this.update(id, (r) => (r.certificate = certificate));
  }

  get(id: string): ProxyStatus | undefined {
    const record = this.records.get(id);
    return record === undefined ? undefined : withSynced(record);
  }

  /** Every connected proxy, by namespace then pod. */
  list(): ProxyStatus[] {
    return [...this.records.values()]
      .map(withSynced)
      .sort((a, b) => compare(a.namespace, b.namespace) || compare(a.pod, b.pod) || compare(a.id, b.id));
  }

  /** True when some connected proxy matches; no copies, for checks run on every ack. */
  some(predicate: (status: Readonly<Omit<ProxyStatus, 'synced'>>) => boolean): boolean {
    for (const record of this.records.values()) if (predicate(record)) return true;
    return false;
  }

  counters(): PushCounters {
    return { ...this.totals };
  }

  /** Called after every change of any proxy's status. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private update(id: string, mutate: (record: Record_) => void): void {
    const record = this.records.get(id);
    if (record === undefined) return;
    mutate(record);
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

function withSynced(record: Record_): ProxyStatus {
  const synced = record.desiredVersion !== undefined && record.ackedVersion === record.desiredVersion;
  return { ...record, synced };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
