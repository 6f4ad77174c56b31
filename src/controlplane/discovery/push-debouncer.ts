// Debounce for pushes: fire `debounceMs` after the last trigger, but never later than `maxDelayMs`
// after the first trigger of a burst, so a steady trickle of writes cannot starve the proxies.

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface PushDebouncerOptions {
  debounceMs: number;
  maxDelayMs: number;
  fire: () => void;
  timers?: Timers;
}

export class PushDebouncer {
  private readonly options: PushDebouncerOptions;
  private readonly timers: Timers;
  private burstStartedAt: number | undefined;
  private handle: unknown;

  constructor(options: PushDebouncerOptions) {
    this.options = options;
    this.timers = options.timers ?? realTimers;
  }

  /** True while a push is scheduled but has not fired. */
  pending(): boolean {
    return this.burstStartedAt !== undefined;
  }

  trigger(): void {
    const now = this.timers.now();
    this.burstStartedAt ??= now;
    const deadline = Math.min(now + this.options.debounceMs, this.burstStartedAt + this.options.maxDelayMs);
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = this.timers.setTimeout(() => this.flush(), Math.max(0, deadline - now));
  }

  /** Fires now if a push is pending (e.g. someone is waiting for convergence). */
  flush(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    if (this.burstStartedAt === undefined) return;
    this.burstStartedAt = undefined;
    this.options.fire();
  }

  cancel(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.burstStartedAt = undefined;
  }
}
