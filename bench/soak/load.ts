// The soak's load: one GET every 1000/rate ms, round-robin over the pairs, each through the pair's
// client sidecar (a fresh connection per request), recording latency and failure reasons.
import { httpGet } from '../../test/faults/support/mesh.js';

export interface Target {
  name: string;
  proxy: string;
  url: string;
}

export interface LoadFigures {
  sent: number;
  ok: number;
  failures: Map<string, number>;
  latenciesMs: number[];
}

export class SteadyLoad {
  readonly figures: LoadFigures = { sent: 0, ok: 0, failures: new Map(), latenciesMs: [] };
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly targets: Target[],
    private readonly ratePerSecond: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.fire(), 1000 / this.ratePerSecond);
  }

  async stop(): Promise<LoadFigures> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
    return this.figures;
  }

  private fail(target: Target, reason: string): void {
    const key = `${target.name}: ${reason.slice(0, 160)}`;
    this.figures.failures.set(key, (this.figures.failures.get(key) ?? 0) + 1);
  }

  private fire(): void {
    const target = this.targets[this.next++ % this.targets.length]!;
    const started = performance.now();
    this.figures.sent++;
    const request = httpGet(target.url, { proxy: target.proxy, timeoutMs: 5_000 }).then(
      (r) => {
        this.figures.latenciesMs.push(performance.now() - started);
        if (r.status === 200) this.figures.ok++;
        else this.fail(target, `HTTP ${r.status} ${r.body.replace(/\s+/g, ' ')}`);
      },
      (err: unknown) => this.fail(target, err instanceof Error ? err.message : String(err)),
    );
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }
}

/** The `q` quantile (0..1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
