// Counters for the admin endpoint in Prometheus text format. Labels say what each end knows:
// the client side records what it sent (mutual_tls or none) and the server it verified.

export type Direction = 'inbound' | 'outbound';
export type TlsModeLabel = 'mutual_tls' | 'none';

export interface RequestLabels {
  direction: Direction;
  sourcePrincipal: string;
  destinationPrincipal: string;
  tlsMode: TlsModeLabel;
}

type Series = Map<string, number>;

/** One counter a hot path holds on to (made once per label set, bumped without a lookup). */
export class Cell {
  n = 0;
}

/** Request counts for one label set, by response code: made once per connection, so a request costs one Map update. */
export class RequestCounter {
  readonly counts = new Map<number, number>();

  constructor(readonly labels: string) {}

  inc(status: number): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');
}

export class ProxyMetrics {
  private readonly requests = new Map<string, RequestCounter>();
  private readonly connections: Series = new Map();
  private readonly handshakeFailures: Series = new Map();
  private readonly retired: Series = new Map();
  private readonly shadowRefusals: Series = new Map();
  private readonly decisions = new Map<string, Cell>();
  private readonly downgrades = new Map<string, Cell>();
  private readonly requireMtlsRefusals = new Map<string, Cell>();
  private readonly active = { inbound: 0, outbound: 0 };

  /** The counter for a label set (shared by every caller with the same labels). */
  requestCounter(labels: RequestLabels): RequestCounter {
    const key = labelText({
      direction: labels.direction,
      source_principal: labels.sourcePrincipal,
      destination_principal: labels.destinationPrincipal,
      tls_mode: labels.tlsMode,
    });
    let counter = this.requests.get(key);
    if (counter === undefined) {
      counter = new RequestCounter(key);
      this.requests.set(key, counter);
    }
    return counter;
  }

  request(labels: RequestLabels, status: number): void {
    this.requestCounter(labels).inc(status);
  }

  connectionOpened(labels: RequestLabels): void {
    const key = labelText({
      direction: labels.direction,
      source_principal: labels.sourcePrincipal,
      destination_principal: labels.destinationPrincipal,
      tls_mode: labels.tlsMode,
    });
    this.connections.set(key, (this.connections.get(key) ?? 0) + 1);
  }

  activeChanged(direction: Direction, delta: number): void {
    this.active[direction] += delta;
  }

  /** A downstream connection the sidecar closed on its own (mode_change, max_age). */
  connectionRetired(direction: Direction, reason: string): void {
    const key = labelText({ direction, reason });
    this.retired.set(key, (this.retired.get(key) ?? 0) + 1);
  }

  /**
   * The TLS decision on either end, with the policy's reason: outbound per request (what the
   * client sidecar sent: ISTIO_MUTUAL, DISABLE, ..., REFUSE), inbound per connection (how it
   * arrived: mutual_tls, plaintext, tls_passthrough, refused).
   */
  tlsDecision(direction: Direction, tlsMode: string, reason: string): Cell {
    return cellFor(this.decisions, labelText({ direction, tls_mode: tlsMode, reason }));
  }

  /** Requests auto mTLS sent in plaintext to a mesh endpoint (no sidecar, DISABLE, auto off). */
  downgrade(reason: string): Cell {
    return cellFor(this.downgrades, labelText({ reason }));
  }

  /** Requests a require-mTLS client's sidecar refused instead of sending plaintext. */
  requireMtlsRefusal(reason: string): Cell {
    return cellFor(this.requireMtlsRefusals, labelText({ reason }));
  }

  /** An admitted connection a shadow policy's mode would have refused (shadow enforcement). */
  shadowRefusal(reason: string, policy: string): void {
    const key = labelText({ reason, policy });
    this.shadowRefusals.set(key, (this.shadowRefusals.get(key) ?? 0) + 1);
  }

  handshakeFailure(direction: Direction, reason: string): void {
    const key = labelText({ direction, reason });
    this.handshakeFailures.set(key, (this.handshakeFailures.get(key) ?? 0) + 1);
  }

  /** Total requests counted with these label values (for tests and status). */
  requestCount(match: Partial<Record<string, string>> = {}): number {
    let total = 0;
    for (const [key, value] of this.requestSeries()) {
      if (Object.entries(match).every(([k, v]) => key.includes(`${k}="${escapeLabel(v ?? '')}"`)))
        total += value;
    }
    return total;
  }

  private requestSeries(): Series {
    const series: Series = new Map();
    for (const counter of this.requests.values()) {
      for (const [status, n] of counter.counts) series.set(`${counter.labels},response_code="${status}"`, n);
    }
    return series;
  }

  render(): string {
    const out: string[] = [];
    const family = (name: string, help: string, type: string, series: Series): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of series) out.push(`${name}{${labels}} ${value}`);
    };
    family(
      'automesh_requests_total',
      'HTTP requests by direction, principals, TLS mode and response code.',
      'counter',
      this.requestSeries(),
    );
    family(
      'automesh_connections_total',
      'Connections by direction, principals and TLS mode.',
      'counter',
      this.connections,
    );
    family(
      'automesh_handshake_failures_total',
      'Failed TLS handshakes and refused connections by reason.',
      'counter',
      this.handshakeFailures,
    );
    family(
      'automesh_connections_retired_total',
      'Downstream connections the sidecar closed on its own, by reason: mode_change (the new mode of their port does not admit them), max_age.',
      'counter',
      this.retired,
    );
    family(
      'automesh_shadow_refusals_total',
      'Inbound connections let in that a policy annotated automesh.io/enforcement: shadow would have refused, by reason and policy.',
      'counter',
      this.shadowRefusals,
    );
    const cells = (m: Map<string, Cell>): Series => new Map([...m].map(([k, c]) => [k, c.n]));
    family(
      'automesh_tls_decisions_total',
      'TLS decisions with the policy reason: outbound requests by what was sent (ISTIO_MUTUAL, DISABLE, SIMPLE, MUTUAL, REFUSE), inbound connections by how they arrived (mutual_tls, plaintext, tls_passthrough, refused).',
      'counter',
      cells(this.decisions),
    );
    family(
      'automesh_downgrades_total',
      'Outbound requests auto mTLS sent in plaintext to a mesh endpoint (endpoint without a sidecar or DISABLE, auto mTLS off), by reason.',
      'counter',
      cells(this.downgrades),
    );
    family(
      'automesh_require_mtls_refusals_total',
      'Outbound requests refused (503) because the client requires mTLS and auto mTLS would have sent plaintext, by reason.',
      'counter',
      cells(this.requireMtlsRefusals),
    );
    const active: Series = new Map([
      ['direction="inbound"', this.active.inbound],
      ['direction="outbound"', this.active.outbound],
    ]);
    family('automesh_connections_active', 'Open downstream connections by direction.', 'gauge', active);
    return out.join('\n') + '\n';
  }
}

function cellFor(cells: Map<string, Cell>, key: string): Cell {
  let cell = cells.get(key);
  if (cell === undefined) {
    cell = new Cell();
    cells.set(key, cell);
  }
  return cell;
}
