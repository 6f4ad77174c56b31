// Reconnect delays: exponential, capped, with jitter so that sidecars cut off together (a control
// plane restart) do not all come back in the same instant.

export interface BackoffOptions {
  /** First delay before jitter. Default 200 ms. */
  initialMs?: number;
  /** Cap before jitter. Default 5 s. */
  maxMs?: number;
}

export const DEFAULT_BACKOFF_INITIAL_MS = 200;
export const DEFAULT_BACKOFF_MAX_MS = 5_000;

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry): a uniform draw from the
 * upper half of `min(max, initial * 2^attempt)`, so it grows, never exceeds the cap, and spreads.
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
  const max = options.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
