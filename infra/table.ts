// A compacted topic held in memory as a table: the latest value per key, a tombstone removes the key.
//   input:  the whole topic from its beginning (bus.followTable), then every update as it is written
//   output: the table; `sync()` waits until it holds everything the topic held when called, so a writer
//           decides on the latest state and a reader sees its own writes; `onChange` hears of every update
//           after the table was first loaded
// A value that does not decode is logged and skipped: one bad record must not hide the rest of the table.
import type { IncomingRecord, MessageBus } from './kafka.ts';
import type { Logger } from './logger.ts';

export interface Table<T> {
  readonly rows: ReadonlyMap<string, T>;
  /** Resolves once the table holds at least every record the topic had when sync was called. */
  sync(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export class TableSyncError extends Error {}

export async function followTopicTable<T>(
  bus: MessageBus,
  topic: string,
  decode: (value: Buffer) => T,
  log: Logger,
  onChange?: (key: string, value: T | undefined) => void,
): Promise<Table<T>> {
  const rows = new Map<string, T>();
  let loaded = false;
  // The next offset per partition: how far the table has read.
  const next = new Map<number, bigint>();
  const onRecord = (record: IncomingRecord) => {
    next.set(record.partition, BigInt(record.offset) + 1n);
    if (record.key === null) return;
    if (record.value === null) {
      rows.delete(record.key);
      if (loaded) onChange?.(record.key, undefined);
      return;
    }
    try {
      const value = decode(record.value);
      rows.set(record.key, value);
      if (loaded) onChange?.(record.key, value);
    } catch (err) {
      log.warn(
        { topic, key: record.key, offset: record.offset, err: String(err) },
        'skipping a record that does not decode',
      );
    }
  };
  const follower = await bus.followTable({ topic, onRecord }).catch((err: unknown) => {
    throw new Error(
      `cannot read ${topic} (has \`rmwatch setup\` run?): ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  await follower.caughtUp;
  loaded = true;
  const position = () => [...next.values()].reduce((sum, n) => sum + n, 0n);

  return {
    rows,
    async sync(timeoutMs = 15_000) {
      const end = await bus.topicEndOffsets(topic).then(BigInt, (err: unknown) => {
        throw new TableSyncError(`the end of ${topic} is unknown: ${String(err)}`);
      });
      const deadline = Date.now() + timeoutMs;
      while (position() < end) {
        if (Date.now() > deadline)
          throw new TableSyncError(`${topic} was not read up to its end within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: () => follower.stop(),
  };
}
