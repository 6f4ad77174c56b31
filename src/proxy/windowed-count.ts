// A count over the last observation window, kept in WINDOW_SLICES slices so that memory stays a
// few numbers whatever the rate: as time moves, slices older than the window are zeroed. A total
// covers between 0.9 and 1 window (the current slice is partly filled). Shared by the inbound
// peer observations and the outbound destination observations.

/** The mesh's default observation window (behaviour.md "Migration safety"): 10 minutes. */
export const DEFAULT_OBSERVATION_WINDOW_MS = 10 * 60_000;
/** Counts move in tenths of the window. */
export const WINDOW_SLICES = 10;

export class WindowedCount {
  private readonly slots = new Array<number>(WINDOW_SLICES).fill(0);
  /** The slice (now / sliceMs) the newest slot belongs to. */
  private slice = Number.NEGATIVE_INFINITY;

  constructor(private readonly sliceMs: number) {}

  add(now: number): void {
    this.advance(now);
    this.slots[this.slice % WINDOW_SLICES]!++;
  }

  total(now: number): number {
    this.advance(now);
    let sum = 0;
    for (const n of this.slots) sum += n;
    return sum;
  }

  private advance(now: number): void {
    const slice = Math.floor(now / this.sliceMs);
    if (slice <= this.slice) return;
    const gap = slice - this.slice;
    if (gap >= WINDOW_SLICES) this.slots.fill(0);
    else for (let i = 1; i <= gap; i++) this.slots[(this.slice + i) % WINDOW_SLICES] = 0;
    this.slice = slice;
  }
}
