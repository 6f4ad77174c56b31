// AGE the way the seed page's kubectl prints it (apimachinery duration.ShortHumanDuration):
// one unit, truncated: `39s`, `2m`, `2h`, `5d`, `1y`, so `automesh get` and the API
// server's Tables read like the page.

const SECOND_MS = 1000;
const MINUTE_S = 60;
const HOUR_S = 3600;
const DAY_S = 86_400;
const YEAR_S = 365 * DAY_S;

/** Formats an elapsed time in milliseconds as kubectl's AGE column does. */
export function humanDuration(elapsedMs: number): string {
  const seconds = Math.trunc(elapsedMs / SECOND_MS);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < MINUTE_S) return `${seconds}s`;
  if (seconds < HOUR_S) return `${Math.trunc(seconds / MINUTE_S)}m`;
  if (seconds < DAY_S) return `${Math.trunc(seconds / HOUR_S)}h`;
  if (seconds < YEAR_S) return `${Math.trunc(seconds / DAY_S)}d`;
  return `${Math.trunc(seconds / YEAR_S)}y`;
}

/** AGE of an object created at `creationTimestamp` (RFC 3339), or `<unknown>` without one. */
export function formatAge(creationTimestamp: string | undefined, nowMs: number): string {
  if (creationTimestamp === undefined) return '<unknown>';
  const created = Date.parse(creationTimestamp);
  if (Number.isNaN(created)) return '<unknown>';
  return humanDuration(nowMs - created);
}
