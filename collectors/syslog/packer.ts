// Gathers the frames each sender delivers within a few milliseconds into one batch (one Kafka record, see
// model/frames.ts), in arrival order. A batch is handed on when it is full or when the linger time since its
// first frame has passed, so a quiet sender's lines wait no longer than that.
import { z } from 'zod';
import type { Frame, SharedMetadata } from '../../model/frames.ts';

export const PackerSettings = z
  .object({
    /** Frames per batch; 1 writes one Kafka record per frame. */
    maxFrames: z.number().int().positive().default(1000),
    maxBytes: z
      .number()
      .int()
      .positive()
      .max(256 * 1024, 'at most 262144 bytes: a batch must fit one Kafka record')
      .default(128 * 1024),
    lingerMs: z.number().int().nonnegative().default(2),
  })
  .strict();
export type PackerSettings = z.infer<typeof PackerSettings>;

interface OpenBatch {
  shared: SharedMetadata;
  frames: Frame[];
  bytes: number;
}

export class FramePacker {
  /** By sender: the collector hands the same metadata object for every frame of one sender. */
  private readonly open = new Map<SharedMetadata, OpenBatch>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: PackerSettings,
    private readonly emit: (shared: SharedMetadata, frames: Frame[]) => void,
  ) {}

  add(shared: SharedMetadata, frame: Frame): void {
    // One batch per connection (TCP, TLS) or per sending socket (UDP): frames never change order within one.
    const key = shared;
    let batch = this.open.get(key);
    if (batch && batch.frames.length > 0 && batch.bytes + frame.bytes.length > this.settings.maxBytes) {
      this.open.delete(key);
      this.emit(batch.shared, batch.frames);
      batch = undefined;
    }
    if (!batch) {
      batch = { shared, frames: [], bytes: 0 };
      this.open.set(key, batch);
    }
    batch.frames.push(frame);
    batch.bytes += frame.bytes.length;
    if (batch.frames.length >= this.settings.maxFrames) {
      this.open.delete(key);
      this.emit(batch.shared, batch.frames);
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.settings.lingerMs);
    }
  }

  /** Hands on every open batch now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batches = [...this.open.values()];
    this.open.clear();
    for (const b of batches) this.emit(b.shared, b.frames);
  }
}
