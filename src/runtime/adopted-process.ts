// A pod process started by an earlier runtime (which was killed) and taken over by this one. It is
// not our child, so there is no 'exit' event from the kernel: its exit is noticed by polling /proc
// (the start time guards against the pid being reused), then reported like a child's exit.

import { EventEmitter } from 'node:events';
import { processStartTicks } from './process-identity.js';
import type { ProcessHandle } from './supervised-process.js';

export const ADOPTED_POLL_MS = 250;

export class AdoptedProcess extends EventEmitter implements ProcessHandle {
  readonly exitCode = null;
  readonly signalCode = null;
  private readonly timer: NodeJS.Timeout;
  private exited = false;

  /** `startTicks`: from processStartTicks when the process was recognised as the pod's. */
  constructor(
    readonly pid: number,
    private readonly startTicks: string,
    pollMs: number = ADOPTED_POLL_MS,
  ) {
    super();
    this.timer = setInterval(() => this.poll(), pollMs);
  }

  get alive(): boolean {
    return !this.exited && processStartTicks(this.pid) === this.startTicks;
  }

  private poll(): void {
    if (this.alive) return;
    this.exited = true;
    clearInterval(this.timer);
    // Its exit status went to whoever reaped it (init); all we know is that it is gone.
    this.emit('exit', null, null);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (!this.alive) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw err;
    }
  }
}
