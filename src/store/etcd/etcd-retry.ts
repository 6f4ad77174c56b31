// Calls whose failure leaves nothing changed (reads, the first probe) are tried again while the
// member answering is gone or between leaders, with backoff, until a deadline.

import { isOutcomeUnknown } from './etcd-errors.js';

const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 800;

/** `call` until it succeeds, fails for another reason, or the next try would pass `deadline`. */
export async function retryWhileUnavailable<T>(call: () => Promise<T>, deadline: number): Promise<T> {
  for (let backoffMs = RETRY_MIN_MS; ; backoffMs = Math.min(RETRY_MAX_MS, backoffMs * 2)) {
    try {
      return await call();
    } catch (err) {
      if (!isOutcomeUnknown(err) || Date.now() + backoffMs >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
    }
  }
}
