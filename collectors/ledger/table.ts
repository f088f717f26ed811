// A compacted topic held in memory as a table: the latest value per key, a tombstone removes the key.
//   input:  the whole topic from its beginning (bus.followTable), then every update as it is written
//   output: the table; `sync()` waits until it holds everything the topic held when called, so a writer
//           decides on the latest state and a reader sees its own writes
// A value that does not decode is logged and skipped: one bad record must not hide the rest of the table.
import type { ResolvedConfig } from '../../infra/config.ts';
import type { IncomingRecord, MessageBus } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { Approval } from '../../model/approval.ts';
import { RegistryRecord } from '../../model/registry.ts';

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
): Promise<Table<T>> {
  const rows = new Map<string, T>();
  // The next offset per partition: how far the table has read.
  const next = new Map<number, bigint>();
  const onRecord = (record: IncomingRecord) => {
    next.set(record.partition, BigInt(record.offset) + 1n);
    if (record.key === null) return;
    if (record.value === null) {
      rows.delete(record.key);
      return;
    }
    try {
      rows.set(record.key, decode(record.value));
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

/** The ledger's two tables: approvals by id, registry records by entity id. */
export interface LedgerTables {
  approvals: Table<Approval>;
  registry: Table<RegistryRecord>;
  stop(): Promise<void>;
}

export async function followLedgerTables(
  config: Pick<ResolvedConfig, 'namespace'>,
  bus: MessageBus,
  log: Logger,
): Promise<LedgerTables> {
  const json = (value: Buffer): unknown => JSON.parse(value.toString('utf8'));
  const [approvals, registry] = await Promise.allSettled([
    followTopicTable(bus, topicName(config, TOPICS.approvals), (v) => Approval.parse(json(v)), log),
    followTopicTable(bus, topicName(config, TOPICS.registry), (v) => RegistryRecord.parse(json(v)), log),
  ]);
  if (approvals.status === 'rejected' || registry.status === 'rejected') {
    // Neither table is of use without the other; a follower that did start must not keep running.
    for (const t of [approvals, registry]) if (t.status === 'fulfilled') await t.value.stop();
    throw approvals.status === 'rejected' ? approvals.reason : (registry as PromiseRejectedResult).reason;
  }
  return {
    approvals: approvals.value,
    registry: registry.value,
    stop: async () => void (await Promise.all([approvals.value.stop(), registry.value.stop()])),
  };
}
