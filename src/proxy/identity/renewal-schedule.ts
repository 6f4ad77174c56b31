// When to renew and how long to back off: pure functions of times and a random draw in [0, 1).

/** Fraction of the remaining lifetime after which a certificate is renewed. */
export const RENEW_AT_FRACTION = 0.5;
/** Jitter applied to the renewal time, as a fraction of the delay (±). */
export const RENEW_JITTER_FRACTION = 0.1;
export const BACKOFF_INITIAL_MS = 500;
export const BACKOFF_MAX_MS = 30_000;

/**
 * Milliseconds from `nowMs` until renewal: half of the remaining validity (measured from
 * issuance, since notBefore is back-dated), ±10 % jitter so that sidecars started together
 * do not renew together.
 */
export function renewalDelayMs(nowMs: number, notAfterMs: number, random: number): number {
  const remaining = Math.max(0, notAfterMs - nowMs);
  const base = remaining * RENEW_AT_FRACTION;
  const jitter = base * RENEW_JITTER_FRACTION * (2 * random - 1);
  return Math.max(0, Math.round(base + jitter));
}

/**
 * Back-off after the `attempt`-th consecutive failure (1-based): exponential with "equal
 * jitter", capped at the maximum, and when a certificate is still valid, never later than
 * a quarter of its remaining time so that a few more tries fit before it expires.
 */
export function retryDelayMs(
  attempt: number,
  random: number,
  nowMs: number,
  notAfterMs: number | undefined,
  initialMs: number = BACKOFF_INITIAL_MS,
  maxMs: number = BACKOFF_MAX_MS,
): number {
  const exp = Math.min(maxMs, initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  const delay = exp / 2 + (exp / 2) * random;
  if (notAfterMs === undefined || notAfterMs <= nowMs) return Math.round(delay);
  return Math.round(Math.max(Math.min(initialMs, delay), Math.min(delay, (notAfterMs - nowMs) / 4)));
}
