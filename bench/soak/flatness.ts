// Whether a sidecar's memory and file descriptors stayed flat after warm-up: the median of the
// samples up to warm-up end against the median of the last samples, within a stated tolerance.
import type { ProcSample } from './proc-sample.js';

/** RSS may grow by this much or this fraction (the larger) after warm-up: GC heaps breathe. */
export const RSS_TOLERANCE_KIB = 16 * 1024;
export const RSS_TOLERANCE_FRACTION = 0.25;
/** Open fds may grow by this many: a sample catches whatever connections are in flight. */
export const FD_TOLERANCE = 10;
const WINDOW = 3;

export interface Flatness {
  warmRssKiB: number;
  endRssKiB: number;
  warmFds: number;
  endFds: number;
  restarted: boolean;
  flat: boolean;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
}

/** `warm`: samples up to warm-up end; `after`: the ones after it. */
export function flatness(warm: ProcSample[], after: ProcSample[]): Flatness {
  const base = warm.slice(-WINDOW);
  const end = after.slice(-WINDOW);
  const warmRssKiB = median(base.map((s) => s.rssKiB));
  const endRssKiB = median(end.map((s) => s.rssKiB));
  const warmFds = median(base.map((s) => s.fds));
  const endFds = median(end.map((s) => s.fds));
  const restarted = new Set([...warm, ...after].map((s) => s.pid)).size > 1;
  const rssAllowance = Math.max(RSS_TOLERANCE_KIB, warmRssKiB * RSS_TOLERANCE_FRACTION);
  const flat =
    base.length > 0 &&
    end.length > 0 &&
    !restarted &&
    endRssKiB - warmRssKiB <= rssAllowance &&
    endFds - warmFds <= FD_TOLERANCE;
  return { warmRssKiB, endRssKiB, warmFds, endFds, restarted, flat };
}
