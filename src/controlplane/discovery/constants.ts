// Tuning of configuration push. Units are in the names.

/** Quiet time after the last change before snapshots are rebuilt: a burst of writes gives one push. */
export const PUSH_DEBOUNCE_MS = 100;

/** Upper bound on how long a steady stream of changes can postpone a push. */
export const PUSH_MAX_DELAY_MS = 1_000;

/** How long `waitForConvergence` waits when the caller names no timeout. */
export const DEFAULT_CONVERGENCE_TIMEOUT_MS = 30_000;
