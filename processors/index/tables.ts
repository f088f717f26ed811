// Indexes the approvals and the registry for dashboards and the audit API.
//   input:  rm.approvals (key: approval id), rm.registry (key: entity id); both compacted, a null value is a
//           tombstone (group <namespace>rmwatch.index-tables)
//   output: Elasticsearch rm-approvals (id: approval id), rm-registry (id: entity id, with `entity_id`);
//           a tombstone deletes the document; a record that is not valid, or that Elasticsearch refuses for
//           good, goes to rm.deadletter with its bytes and the reason
// Offsets are committed only after Elasticsearch took the batch (the consumer retries it otherwise); ids
// are the records' keys, so a redelivery overwrites.
import type { ResolvedConfig } from '../../infra/config.ts';
import type { IndexedDocument, SearchStore } from '../../infra/elasticsearch.ts';
import { indexName } from '../../infra/index-templates.ts';
import type { Consumption, IncomingRecord, MessageBus, OutgoingRecord } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { Approval } from '../../model/approval.ts';
import { deadLetterRecord } from '../dead-letter.ts';
import { RegistryRecord } from '../../model/registry.ts';

export interface TableIndexer {
  counters: Counters;
  stop(): Promise<void>;
}

export async function startTableIndexer(
  config: Pick<ResolvedConfig, 'namespace'>,
  bus: MessageBus,
  store: SearchStore,
  log: Logger,
): Promise<TableIndexer> {
  const counters = new Counters('index_tables');
  const approvals = topicName(config, TOPICS.approvals);
  const registry = topicName(config, TOPICS.registry);

  const consumption: Consumption = await bus.consume({
    groupId: `${config.namespace}rmwatch.index-tables`,
    topics: [approvals, registry],
    fromBeginning: true,
    handler: async (batch) => {
      const docs: IndexedDocument[] = [];
      const letters: OutgoingRecord[] = [];
      const origin = new Map<IndexedDocument, IncomingRecord>();
      for (const record of batch.records) {
        if (record.key === null) {
          letters.push(deadLetterRecord('index-tables', record, 'a table record needs its key'));
          continue;
        }
        const isApproval = record.topic === approvals;
        const index = indexName(config, isApproval ? 'approvals' : 'registry');
        if (record.value === null) {
          docs.push({ index, id: record.key, document: {}, delete: true });
          continue;
        }
        const parsed = parse(record.value, isApproval);
        if (!parsed.ok) {
          letters.push(deadLetterRecord('index-tables', record, parsed.error));
          continue;
        }
        const doc = {
          index,
          id: record.key,
          document: isApproval ? parsed.value : { ...parsed.value, entity_id: record.key },
        };
        origin.set(doc, record);
        docs.push(doc);
      }
      // Only the latest version of each document in the batch matters.
      const latest = new Map(docs.map((d) => [`${d.index}/${d.id}`, d]));
      const result = await store.bulkIndex([...latest.values()]);
      for (const failure of result.rejected) {
        const record = origin.get(failure.doc);
        if (record)
          letters.push(
            deadLetterRecord(
              'index-tables',
              record,
              `Elasticsearch refused it: ${failure.type}: ${failure.reason}`,
            ),
          );
      }
      await bus.produce(topicName(config, TOPICS.deadLetter), letters);
      counters.inc('indexed', result.indexed);
      counters.inc('dead_letters', letters.length);
    },
  });
  log.info({ topics: [approvals, registry] }, 'approvals and registry indexer running');
  return { counters, stop: () => consumption.stop() };
}

function parse(
  value: Buffer,
  isApproval: boolean,
): { ok: true; value: Approval | RegistryRecord } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const parsed = isApproval ? Approval.safeParse(json) : RegistryRecord.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}
