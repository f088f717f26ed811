// The ledger's outputs: the compacted tables every correlator reads whole.
//   output: rm.approvals — key: approval id, value: the Approval as JSON
//           rm.registry  — key: registryEntityId(record) (`vendor:…`, `account:…`, …), value: the record as
//                          JSON; a removed entity gets a tombstone (null value), which compaction later drops
// Each call resolves only once Kafka acknowledged every record (acks=all).
import type { ResolvedConfig } from '../../infra/config.ts';
import type { MessageBus } from '../../infra/kafka.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import type { Approval } from '../../model/approval.ts';
import { registryEntityId } from '../../model/ids.ts';
import type { RegistryRecord } from '../../model/registry.ts';

type Config = Pick<ResolvedConfig, 'namespace'>;

export async function publishApprovals(
  config: Config,
  bus: MessageBus,
  approvals: readonly Approval[],
): Promise<void> {
  await bus.produce(
    topicName(config, TOPICS.approvals),
    approvals.map((a) => ({ key: a.id, value: JSON.stringify(a) })),
  );
}

/**
 * Publishes `records`, and a tombstone for every entity of `previous` (entity ids) that is not among them:
 * the registry is replaced, not merged.
 * @returns the entity ids that got a tombstone
 */
export async function publishRegistry(
  config: Config,
  bus: MessageBus,
  records: readonly RegistryRecord[],
  previous: Iterable<string> = [],
): Promise<string[]> {
  const present = new Set(records.map(registryEntityId));
  const removed = [...new Set(previous)].filter((entity) => !present.has(entity)).sort();
  await bus.produce(topicName(config, TOPICS.registry), [
    ...records.map((r) => ({ key: registryEntityId(r), value: JSON.stringify(r) })),
    ...removed.map((entity) => ({ key: entity, value: null })),
  ]);
  return removed;
}
