// One container (or sidecar) process kept running: restarted with exponential back-off when it
// exits, its restart count and state kept for the pod's status, stopped with SIGTERM then SIGKILL.

import type { Readable } from 'node:stream';

/** What the runtime needs of a child process; node's ChildProcess satisfies it. */
export interface ProcessHandle {
  readonly pid?: number | undefined;
  readonly exitCode?: number | null;
  readonly signalCode?: NodeJS.Signals | null;
  readonly stdout?: Readable | null;
  readonly stderr?: Readable | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: 'error', listener: (err: Error) => void): unknown;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000 };
export const DEFAULT_STOP_GRACE_MS = 3000;

export type ProcessState =
  | { state: 'waiting'; reason: string; message?: string }
  | { state: 'running'; startedAt: string }
  | {
      state: 'terminated';
      exitCode: number;
      reason: string;
      signal?: string;
      startedAt?: string;
      finishedAt: string;
    };

export interface SupervisedProcessOptions {
  /** Starts the process; may throw (reported as a failed start, then retried with back-off). */
  launch: () => ProcessHandle;
  backoff?: BackoffOptions;
  stopGraceMs?: number;
  /** Called whenever state or restart count changes. */
  onChange: () => void;
  /** Called with a line describing each exit, for the runtime's log. */
  onExit?: (description: string) => void;
  /** Kill the process group (the child was spawned detached), not just the child. */
  killGroup?: boolean;
}

export class SupervisedProcess {
  restartCount = 0;
  current: ProcessState = { state: 'waiting', reason: 'ContainerCreating' };
  private child: ProcessHandle | undefined;
  private exited: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private stopping = false;
  private startedAtMs = 0;

  constructor(private readonly options: SupervisedProcessOptions) {
    this.delayMs = (options.backoff ?? DEFAULT_BACKOFF).initialMs;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.current.state === 'running';
  }

  start(): void {
    this.run(() => this.options.launch(), new Date());
  }

  /**
   * Takes over a process that already runs (started by an earlier runtime) as if this one had
   * started it at `startedAt` after `restartCount` restarts; its exit restarts it as usual.
   */
  adopt(handle: ProcessHandle, startedAt: Date, restartCount: number): void {
    this.restartCount = restartCount;
    this.run(() => handle, startedAt);
  }

  private run(launch: () => ProcessHandle, startedAt: Date): void {
    if (this.stopping) return;
    let child: ProcessHandle;
    try {
      child = launch();
    } catch (err) {
      this.afterExit(
        { state: 'terminated', exitCode: 128, reason: 'StartError', finishedAt: startedAt.toISOString() },
        String(err),
      );
      return;
    }
    this.child = child;
    this.startedAtMs = startedAt.getTime();
    this.exited = new Promise<void>((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
        if (done) return;
        done = true;
        this.child = undefined;
        const exitCode = code ?? (signal !== null ? 128 : 127);
        const state: ProcessState = {
          state: 'terminated',
          exitCode,
          reason: error !== undefined ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error',
          ...(signal !== null ? { signal } : {}),
          startedAt: startedAt.toISOString(),
          finishedAt: new Date().toISOString(),
        };
        const unknown = code === null && signal === null; // an adopted process: someone else reaped it
        this.afterExit(
          state,
          error?.message ??
            (unknown
              ? 'exited, status unknown'
              : `exit code ${code ?? 'none'}${signal !== null ? `, signal ${signal}` : ''}`),
        );
        resolve();
      };
      child.once('exit', (code, signal) => finish(code, signal));
      child.once('error', (err) => finish(null, null, err));
    });
    this.current = { state: 'running', startedAt: startedAt.toISOString() };
    this.options.onChange();
  }

  private afterExit(state: ProcessState, description: string): void {
    this.current = state;
    this.options.onExit?.(description);
    if (this.stopping) {
      this.options.onChange();
      return;
    }
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    // A process that stayed up longer than the longest back-off starts over from the shortest.
    if (this.startedAtMs > 0 && Date.now() - this.startedAtMs > backoff.maxMs)
      this.delayMs = backoff.initialMs;
    const wait = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, backoff.maxMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.restartCount++;
      this.start();
    }, wait);
    this.current = {
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      message: `back-off ${wait} ms restarting failed container (${description})`,
    };
    this.options.onChange();
  }

  private signal(signal: NodeJS.Signals): void {
    const child = this.child;
    if (child === undefined) return;
    if (this.options.killGroup === true && child.pid !== undefined) {
      try {
        process.kill(-child.pid, signal);
        return;
      } catch (err) {
        // The group may be gone already while the child lingers; fall back to the child alone.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
    child.kill(signal);
  }

  /** Stops for good: SIGTERM, then SIGKILL after the grace period; resolves once it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.child === undefined) return;
    this.signal('SIGTERM');
    const grace = setTimeout(() => this.signal('SIGKILL'), this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
    await this.exited;
    clearTimeout(grace);
  }
}
