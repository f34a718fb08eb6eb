import { logger } from '../../shared/logger.js';

/** What one pass of a poller found. */
export interface PollResult {
  /** More work may be waiting right now (a full batch, or anything handled): poll again at once. */
  readonly busy: boolean;
  /** Work known to become due later (a delayed queue message): wake by then at the latest. */
  readonly nextDueInMs?: number;
}

export interface PollLoopOptions {
  readonly name: string;
  /** The first wait after a pass that found nothing. */
  readonly intervalMs: number;
  /** Idle waits double from intervalMs up to this. */
  readonly maxIdleMs: number;
}

/**
 * The schedule of a local poller (the stand-in for a Lambda event source mapping): drain at once while there is work;
 * when idle, wait longer and longer, up to maxIdleMs, so an idle runtime costs next to nothing; never sleep past work
 * known to be due (nextDueInMs); and `wake()` cuts any wait short, so work that the runtime itself just created (a
 * write with a stream record, a message sent) is picked up at once rather than at the end of an idle wait.
 */
export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private idleMs: number;
  /** A wake() arrived while a pass was running: what it signals may have come after that pass looked. */
  private wokenDuringPass = false;
  /** When the next pass is planned (Date.now() clock); Infinity while a pass runs or after stop. */
  private plannedAt = Infinity;
  /** The earliest wakeBy() that arrived while a pass was running (that pass may have looked before it). */
  private dueDuringPass = Infinity;

  constructor(
    private readonly pass: () => Promise<PollResult>,
    private readonly options: PollLoopOptions,
  ) {
    this.idleMs = options.intervalMs;
  }

  start(): void {
    this.schedule(0);
  }

  /** Poll now (or right after the pass under way). */
  wake(): void {
    if (this.stopped) return;
    this.idleMs = this.options.intervalMs;
    if (this.running) {
      this.wokenDuringPass = true;
      return;
    }
    this.schedule(0);
  }

  /**
   * Work was just created that becomes due in `inMs` (a delayed message): poll by then. Unlike wake(), a pass already
   * planned by then is enough, since it finds that work too; waking for each timer scheduled minutes ahead made every
   * payment cost a pass that read the whole timer queue.
   */
  wakeBy(inMs: number): void {
    if (this.stopped) return;
    if (inMs <= 0) return this.wake();
    const at = Date.now() + inMs;
    if (this.running) {
      this.dueDuringPass = Math.min(this.dueDuringPass, at);
      return;
    }
    if (this.plannedAt > at) this.schedule(inMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.plannedAt = Date.now() + delayMs;
    this.timer = setTimeout(() => this.tick(), delayMs);
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    this.plannedAt = Infinity;
    this.wokenDuringPass = false;
    this.dueDuringPass = Infinity;
    this.running = this.pass()
      .catch((error: unknown): PollResult => {
        logger.error(`${this.options.name} poll failed`, { error: error instanceof Error ? error.message : String(error) });
        return { busy: false };
      })
      .then((result) => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.nextDelay(result));
      });
  }

  private nextDelay(result: PollResult): number {
    if (result.busy || this.wokenDuringPass) {
      this.idleMs = this.options.intervalMs;
      return 0;
    }
    const wait = this.idleMs;
    this.idleMs = Math.min(this.idleMs * 2, Math.max(this.options.maxIdleMs, this.options.intervalMs));
    const dueInMs = Math.min(result.nextDueInMs ?? Infinity, this.dueDuringPass - Date.now());
    return Math.max(0, Math.min(wait, dueInMs));
  }
}
