// The ledger's two tables (infra/table.ts): approvals by id, registry records by entity id.
import type { ResolvedConfig } from '../../infra/config.ts';
import type { MessageBus } from '../../infra/kafka.ts';
import { followTopicTable, type Table } from '../../infra/table.ts';
import type { Logger } from '../../infra/logger.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { Approval } from '../../model/approval.ts';
import { RegistryRecord } from '../../model/registry.ts';

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
