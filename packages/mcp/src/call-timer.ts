/**
 * @internal The time limits of one tool call: `idleMs` without progress and
 * `totalMs` in all. Paused while the client itself holds the call up (a
 * person answering an elicitation, a sampling request): that time is not
 * the server's.
 */
export class CallTimer {
  private idle: NodeJS.Timeout | undefined;
  private total: NodeJS.Timeout | undefined;
  private pauses = 0;
  private usedMs = 0;
  private runningSince = 0;
  private done = false;

  constructor(
    private readonly idleMs: number,
    private readonly totalMs: number,
    private readonly expire: (why: 'idle' | 'total') => void,
  ) {
    this.arm();
  }

  /** A progress notification: the idle limit starts over. */
  progress(): void {
    if (this.done || this.pauses > 0) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.fire('idle'), this.idleMs);
  }

  /** Stops both clocks until the matching {@link resume}. */
  pause(): void {
    if (this.done) return;
    if (this.pauses++ === 0) {
      this.usedMs += Date.now() - this.runningSince;
      this.clear();
    }
  }

  resume(): void {
    if (this.done || this.pauses === 0) return;
    if (--this.pauses === 0) this.arm();
  }

  dispose(): void {
    this.done = true;
    this.clear();
  }

  private arm(): void {
    this.runningSince = Date.now();
    this.idle = setTimeout(() => this.fire('idle'), this.idleMs);
    this.total = setTimeout(() => this.fire('total'), Math.max(0, this.totalMs - this.usedMs));
  }

  private fire(why: 'idle' | 'total'): void {
    if (this.done) return;
    this.dispose();
    this.expire(why);
  }

  private clear(): void {
    clearTimeout(this.idle);
    clearTimeout(this.total);
  }
}
