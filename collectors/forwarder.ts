// Hands a collector's records to Kafka in batches, in arrival order. While Kafka cannot take them they go to
// the disk journal, and every later record follows them there until the journal is replayed, so the order
// per sender holds across an outage. Memory stays bounded: past `spillRecords` queued records the queue
// moves to the journal, and past `highWaterRecords` the collector is told to slow its senders down. A batch of
// syslog frames (model/frames.ts) counts as the frames it holds, so the bounds mean the same either way.
import { z } from 'zod';
import type { MessageBus, OutgoingRecord } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import type { Counters } from '../infra/metrics.ts';
import type { Journal, JournalEntry } from './journal.ts';
import { framesIn } from './journal.ts';
import { framesOf } from '../model/frames.ts';

export const ForwarderSettings = z
  .object({
    maxBatchRecords: z.number().int().positive().default(20_000),
    lingerMs: z.number().int().nonnegative().default(5),
    highWaterRecords: z.number().int().positive().default(50_000),
    spillRecords: z.number().int().positive().default(100_000),
    retryInitialMs: z.number().int().positive().default(500),
    retryMaxMs: z.number().int().positive().default(10_000),
    /** A produce not acknowledged by then counts as failed: its records go to the journal. */
    produceTimeoutMs: z.number().int().positive().default(5_000),
  })
  .strict();
export type ForwarderSettings = z.infer<typeof ForwarderSettings>;

export class Forwarder {
  private queue: JournalEntry[] = [];
  /** The frames the queue holds. */
  private weight = 0;
  private pumping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pressured = false;
  private closed = false;
  private failures = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly bus: MessageBus,
    private readonly journal: Journal,
    private readonly settings: ForwarderSettings,
    private readonly log: Logger,
    private readonly counters: Counters,
    /** Called with true when senders should pause, false when they may go on. */
    private readonly onPressure: (high: boolean) => void = () => undefined,
  ) {
    if (!journal.isEmpty) this.schedule(0);
  }

  get queued(): number {
    return this.weight;
  }

  send(topic: string, record: OutgoingRecord): void {
    this.queue.push({ topic, record });
    this.weight += framesOf(record.headers);
    if (this.weight >= this.settings.spillRecords) {
      this.journal.append(this.takeAll());
      this.counters.inc('spilled');
    }
    this.updatePressure();
    this.schedule(this.weight >= this.settings.maxBatchRecords ? 0 : this.settings.lingerMs);
  }

  /** Resolves when everything sent so far is in Kafka (not merely journaled). */
  async flush(): Promise<void> {
    while (!this.closed && (this.queue.length > 0 || !this.journal.isEmpty || this.pumping)) {
      // The pump starts now rather than after its linger: waiting on anything that does not give the event
      // loop a turn (a timer still to fire) would spin here for good, and starve every timer, the stop's
      // deadline included.
      this.wake?.();
      await this.pump();
    }
  }

  /** Stops; what Kafka has not taken stays in the journal for the next run. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.pumping;
    this.journal.append(this.takeAll());
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.pumping) return;
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pump(), delayMs);
  }

  /** Runs the pump, or joins the one running. */
  private pump(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pumping ??= this.forward().finally(() => {
      this.pumping = undefined;
      if (!this.closed && (this.queue.length > 0 || !this.journal.isEmpty))
        this.schedule(this.settings.lingerMs);
    });
    return this.pumping;
  }

  private async forward(): Promise<void> {
    while (!this.closed && (this.queue.length > 0 || !this.journal.isEmpty)) {
      if (!this.journal.isEmpty) {
        // Order: whatever is queued now came after what is journaled.
        this.journal.append(this.takeAll());
        this.updatePressure();
        try {
          const replayed = await this.journal.drain((entries) => this.produce(entries));
          this.recovered(replayed);
        } catch (err) {
          await this.backOff(err);
        }
        continue;
      }
      const batch = this.take(this.settings.maxBatchRecords);
      this.updatePressure();
      try {
        await this.produce(batch);
        this.recovered(0);
      } catch (err) {
        this.journal.append(batch);
        this.counters.inc('spooled', framesIn(batch));
        await this.backOff(err);
      }
    }
  }

  private async produce(entries: readonly JournalEntry[]): Promise<void> {
    const sending = this.bus.produceAll(entries);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Kafka did not acknowledge within ${this.settings.produceTimeoutMs} ms`)),
        this.settings.produceTimeoutMs,
      );
    });
    // If the late produce still succeeds, its records arrive twice; the journal copy keeps them from being lost.
    sending.catch(() => undefined);
    try {
      await Promise.race([sending, timeout]);
    } finally {
      clearTimeout(timer);
    }
    this.counters.inc('forwarded', framesIn(entries));
  }

  private recovered(replayed: number): void {
    if (this.failures > 0 || replayed > 0) this.log.info({ replayed }, 'Kafka takes records again');
    this.failures = 0;
  }

  private async backOff(err: unknown): Promise<void> {
    this.failures++;
    this.counters.inc('produce_failures');
    const delay = Math.min(this.settings.retryMaxMs, this.settings.retryInitialMs * 2 ** (this.failures - 1));
    if (this.failures === 1 || this.failures % 10 === 0)
      this.log.warn(
        { err: String(err), journaled: this.journal.records, retryInMs: delay },
        'Kafka unavailable; spooling to the journal',
      );
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wake = undefined;
  }

  /** The queue's first entries, up to `frames` frames (at least one entry). */
  private take(frames: number): JournalEntry[] {
    let n = 0;
    let w = 0;
    while (n < this.queue.length && (n === 0 || w + framesOf(this.queue[n]?.record.headers) <= frames)) {
      w += framesOf(this.queue[n]?.record.headers);
      n++;
    }
    this.weight -= w;
    return this.queue.splice(0, n);
  }

  private takeAll(): JournalEntry[] {
    this.weight = 0;
    return this.queue.splice(0);
  }

  private updatePressure(): void {
    const high = this.weight >= this.settings.highWaterRecords;
    const low = this.weight <= this.settings.highWaterRecords / 2;
    if (high && !this.pressured) {
      this.pressured = true;
      this.counters.inc('backpressure_pauses');
      this.onPressure(true);
    } else if (low && this.pressured) {
      this.pressured = false;
      this.onPressure(false);
    }
  }
}
