// Runs an async job one at a time: a kick while it runs schedules exactly one more run, so a burst
// of changes costs at most two runs and every change is seen by a run that started after it.

export class SerialTask {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly job: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  kick(): void {
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.job();
      } catch (err) {
        this.onError(err);
      }
    } while (this.again);
    this.running = undefined;
  }

  /** Resolves once no run is in progress or pending. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }
}
