// A bounded, append-only disk journal of records a collector could not hand to Kafka yet. Records are
// replayed oldest first; a segment file is deleted only after Kafka acknowledged all of it, so a crash
// during replay re-sends (deterministic event ids make that harmless) and never loses.
// When the journal is full, the configured policy drops either the oldest segment or the newest records;
// every drop is counted and logged.
import { framesOf } from '../model/frames.ts';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { TopicRecord } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import type { Counters } from '../infra/metrics.ts';

export const JournalSettings = z
  .object({
    dir: z.string().min(1),
    maxBytes: z
      .number()
      .int()
      .positive()
      .default(256 * 1024 * 1024),
    segmentBytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024),
    whenFull: z.enum(['drop-oldest', 'drop-newest']).default('drop-oldest'),
  })
  .strict();
export type JournalSettings = z.infer<typeof JournalSettings>;

export type JournalEntry = TopicRecord;

interface Segment {
  seq: number;
  path: string;
  bytes: number;
  records: number;
}

const SEGMENT = /^segment-(\d{12})\.jnl$/;

export class Journal {
  private readonly segments: Segment[] = [];
  private draining: Segment | undefined;

  constructor(
    private readonly settings: JournalSettings,
    private readonly log: Logger,
    private readonly counters: Counters,
  ) {
    mkdirSync(settings.dir, { recursive: true });
    // What a previous run left behind is replayed first.
    for (const name of readdirSync(settings.dir).sort()) {
      const match = SEGMENT.exec(name);
      if (!match) continue;
      const path = join(settings.dir, name);
      const entries = decode(readFileSync(path));
      this.segments.push({
        seq: Number(match[1]),
        path,
        bytes: statSync(path).size,
        records: framesIn(entries),
      });
    }
    if (this.records > 0)
      log.warn({ records: this.records, dir: settings.dir }, 'journal holds records from an earlier run');
  }

  get isEmpty(): boolean {
    return this.records === 0;
  }

  get records(): number {
    return this.segments.reduce((n, s) => n + s.records, 0);
  }

  get bytes(): number {
    return this.segments.reduce((n, s) => n + s.bytes, 0);
  }

  append(entries: readonly JournalEntry[]): void {
    // Written in segment-sized pieces, so that a long backlog can push out the oldest segments piece by piece.
    let piece: Buffer[] = [];
    let pieceBytes = 0;
    let pieceFrames = 0;
    const writePiece = () => {
      if (piece.length > 0) this.write(Buffer.concat(piece), pieceFrames);
      piece = [];
      pieceBytes = 0;
      pieceFrames = 0;
    };
    for (const entry of entries) {
      const data = encode(entry);
      if (pieceBytes + data.length > this.settings.segmentBytes) writePiece();
      piece.push(data);
      pieceBytes += data.length;
      pieceFrames += framesOf(entry.record.headers);
    }
    writePiece();
  }

  private write(data: Buffer, records: number): void {
    if (this.bytes + data.length > this.settings.maxBytes && !this.makeRoom(data.length)) {
      this.counters.inc('journal_dropped', records);
      this.log.error(
        { dropped: records, policy: this.settings.whenFull, bytes: this.bytes },
        'journal full: newest records dropped',
      );
      return;
    }
    let tail = this.segments[this.segments.length - 1];
    if (!tail || tail === this.draining || tail.bytes + data.length > this.settings.segmentBytes) {
      const seq = (tail?.seq ?? 0) + 1;
      tail = {
        seq,
        path: join(this.settings.dir, `segment-${String(seq).padStart(12, '0')}.jnl`),
        bytes: 0,
        records: 0,
      };
      this.segments.push(tail);
    }
    appendFileSync(tail.path, data);
    tail.bytes += data.length;
    tail.records += records;
    this.counters.inc('journal_appended', records);
  }

  /** Sends the journal oldest first; throws (keeping what was not sent) when `send` fails. */
  async drain(send: (entries: JournalEntry[]) => Promise<void>): Promise<number> {
    let sent = 0;
    for (;;) {
      const oldest = this.segments[0];
      if (!oldest) return sent;
      this.draining = oldest;
      try {
        const entries = decode(readFileSync(oldest.path));
        await send(entries);
        rmSync(oldest.path, { force: true });
        const index = this.segments.indexOf(oldest);
        if (index >= 0) this.segments.splice(index, 1);
        // Dropped for space while Kafka was taking it after all: it was delivered, not lost.
        else this.counters.inc('journal_dropped', -framesIn(entries));
        sent += framesIn(entries);
        this.counters.inc('journal_replayed', framesIn(entries));
      } finally {
        this.draining = undefined;
      }
    }
  }

  /** Frees space for `needed` bytes by the drop-oldest policy; false when the policy keeps old records. */
  private makeRoom(needed: number): boolean {
    if (this.settings.whenFull === 'drop-newest') return false;
    if (needed > this.settings.maxBytes) return false;
    while (this.bytes + needed > this.settings.maxBytes) {
      // The segment being replayed is the oldest too: if Kafka fails it, it is dropped like any other.
      const victim = this.segments[0];
      if (!victim) return false;
      rmSync(victim.path, { force: true });
      this.segments.splice(this.segments.indexOf(victim), 1);
      this.counters.inc('journal_dropped', victim.records);
      this.log.error(
        { dropped: victim.records, policy: 'drop-oldest' },
        'journal full: oldest records dropped',
      );
    }
    return true;
  }
}

// Each entry: 4-byte big-endian length, then JSON {t, k, h, v (base64)}.
function encode({ topic, record }: JournalEntry): Buffer {
  const value =
    record.value === null
      ? null
      : (typeof record.value === 'string' ? Buffer.from(record.value) : record.value).toString('base64');
  const body = Buffer.from(JSON.stringify({ t: topic, k: record.key, h: record.headers ?? {}, v: value }));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

const StoredEntry = z.object({
  t: z.string(),
  k: z.string().nullable(),
  h: z.record(z.string(), z.string()),
  v: z.string().nullable(),
});

function decode(data: Buffer): JournalEntry[] {
  const entries: JournalEntry[] = [];
  let at = 0;
  // A torn last entry (the process died mid-write) ends the segment.
  while (at + 4 <= data.length) {
    const length = data.readUInt32BE(at);
    if (at + 4 + length > data.length) break;
    const stored = StoredEntry.parse(JSON.parse(data.subarray(at + 4, at + 4 + length).toString('utf8')));
    entries.push({
      topic: stored.t,
      record: {
        key: stored.k,
        headers: stored.h,
        value: stored.v === null ? null : Buffer.from(stored.v, 'base64'),
      },
    });
    at += 4 + length;
  }
  return entries;
}

/** Records are counted as the frames they carry (model/frames.ts), so counts match what senders sent. */
export function framesIn(entries: readonly JournalEntry[]): number {
  return entries.reduce((n, e) => n + framesOf(e.record.headers), 0);
}
