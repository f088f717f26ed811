// Evidence stage: every raw record as received, kept in Elasticsearch for auditors, hash-chained per source
// and day so that a change, a deletion or a cut-off tail shows (processors/evidence/chain.ts).
//   input:  rm.raw.syslog, rm.raw.windows, rm.raw.rdgateway (group <namespace>rmwatch.evidence, from the
//           beginning); each frame of a syslog frame batch is one raw record
//   output: Elasticsearch `rm-evidence-YYYY.MM` (alias `rm-evidence`; the month of the chain's day, so a
//           chain lives in one index and one shard): one document per raw record (id: model/ids.ts
//           evidenceId of its Kafka coordinates) and one head document per chain (chainHeadId);
//           rm.deadletter: records whose receive-metadata headers are missing or bad, with their bytes
//   config: namespace; the fetch wait of `index.batch` (minFetchBytes, maxWaitMs), as the index sink's
//
// Chains are per raw topic and a source's records share a partition (keyed by device), so one consumer
// appends to a chain, in offset order. Chain positions are cached; on a miss (start, rebalance, a failed
// batch) the stage reads the stored chain's highest seq and its head document, and continues from whichever
// is further on (a head beyond the records means the tail was removed: the gap stays visible).
// The batches of one fetch (a partition each) are written together as one bulk request (infra/gather.ts:
// Elasticsearch's cost is as much per request as per document), each chain's records in seq order followed
// by its head, so a crash leaves a prefix of every chain, never a gap. Offsets are committed only after
// Elasticsearch took everything; records already stored (a redelivery) are skipped and keep their seq.
// Limitation: a record without a key is chained by its `rm-peer` header, and unkeyed records of one peer
// may land on several partitions; two instances owning those partitions could then fork that chain.
import type { ResolvedConfig } from '../../infra/config.ts';
import { BoundedMemory } from '../../infra/bounded-map.ts';
import type { IndexedDocument, SearchStore } from '../../infra/elasticsearch.ts';
import { monthlyIndexFor } from '../../infra/index-templates.ts';
import { gatherInto, PARTITIONS_TOGETHER } from '../../infra/gather.ts';
import type { Consumption, MessageBus, OutgoingRecord, RecordBatch } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { unpackFrames } from '../../model/frames.ts';
import { chainHeadId, evidenceId } from '../../model/ids.ts';
import type { ReceiveMetadata } from '../../model/raw.ts';
import { deadLetterRecord } from '../dead-letter.ts';
import {
  appendRecord,
  ChainHead,
  chainOf,
  EMPTY_CHAIN,
  type ChainName,
  type ChainPosition,
  type EvidenceKind,
  type Origin,
} from './chain.ts';

export interface EvidenceStage {
  counters: Counters;
  stop(): Promise<void>;
}

interface Received {
  name: ChainName;
  index: string;
  id: string;
  bytes: Buffer;
  meta: ReceiveMetadata;
  origin: Origin;
}

/** The monthly evidence index a chain lives in: the month of its (Asia/Tokyo) day. */
export function evidenceIndexFor(config: Pick<ResolvedConfig, 'namespace'>, day: string): string {
  return monthlyIndexFor(config, 'evidence', day);
}

export async function startEvidenceStage(
  config: Pick<ResolvedConfig, 'namespace' | 'index'>,
  bus: MessageBus,
  store: SearchStore,
  log: Logger,
): Promise<EvidenceStage> {
  const counters = new Counters('evidence', [
    'records',
    'stored',
    'already_stored',
    'dead_letters',
    'failed_batches',
    /** Pieces of work (one fetch's partitions together), each one lookup and one bulk request. */
    'batches',
  ]);
  const group = `${config.namespace}rmwatch.evidence`;
  const kinds = new Map<string, EvidenceKind>([
    [topicName(config, TOPICS.rawSyslog), 'syslog'],
    [topicName(config, TOPICS.rawWindows), 'windows'],
    [topicName(config, TOPICS.rawRdGateway), 'rdgateway'],
  ]);
  const deadLetterTopic = topicName(config, TOPICS.deadLetter);
  // A miss only costs a lookup, so the cache is bounded by the chains written to lately.
  let positions = new BoundedMemory<ChainPosition>(50_000);

  /** Where a chain stands in Elasticsearch: the further of its highest stored seq and its head document. */
  const loadPosition = async (name: ChainName, index: string): Promise<ChainPosition> => {
    counters.inc('chain_loads');
    await store.refresh(index);
    const [last, heads] = await Promise.all([
      store.query(index, {
        query: { bool: { filter: [{ term: { entry: 'record' } }, { term: { chain: name.chain } }] } },
        sort: [{ seq: 'desc' }],
        size: 1,
        _source: ['seq', 'hash'],
        ignore_unavailable: true,
        allow_no_indices: true,
      }),
      store.getMany([{ index, id: chainHeadId(name.chain) }]),
    ]);
    const stored = last.hits[0]?.source as { seq?: unknown; hash?: unknown } | undefined;
    let position = EMPTY_CHAIN;
    if (typeof stored?.seq === 'number' && typeof stored.hash === 'string')
      position = { seq: stored.seq, hash: stored.hash };
    const head = ChainHead.safeParse(heads.get(`${index}/${chainHeadId(name.chain)}`));
    if (head.success && head.data.seq > position.seq) {
      log.warn(
        { chain: name.chain, head: head.data.seq, stored: position.seq },
        'chain head is beyond the stored records: its tail is missing; continuing after the head',
      );
      position = { seq: head.data.seq, hash: head.data.hash };
    }
    return position;
  };

  const handleBatches = async (batches: readonly RecordBatch[]): Promise<void> => {
    counters.inc('batches');
    const received: Received[] = [];
    const letters: OutgoingRecord[] = [];
    for (const batch of batches) {
      const kind = kinds.get(batch.topic);
      if (!kind) throw new Error(`evidence stage: unexpected topic ${batch.topic}`);
      for (const record of batch.records) {
        let raws: ReturnType<typeof unpackFrames>;
        try {
          raws = unpackFrames(record.value ?? Buffer.alloc(0), record.headers);
        } catch (err) {
          counters.inc('records');
          letters.push(
            deadLetterRecord('evidence', record, (err as Error).message.split('\n')[0] ?? String(err), {
              source: record.headers['rm-peer'] || undefined,
            }),
          );
          continue;
        }
        counters.inc('records', raws.length);
        raws.forEach(({ bytes, meta }, i) => {
          const name = chainOf(kind, record.key || meta.peer, meta.received_at);
          const origin = {
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            frame: i + 1,
          };
          received.push({
            name,
            index: evidenceIndexFor(config, name.day),
            id: evidenceId(origin.topic, origin.partition, origin.offset, origin.frame),
            bytes,
            meta,
            origin,
          });
        });
      }
    }

    // A rebalance during this work must not swap the cache under it.
    const cache = positions;
    const chains = new Map<string, { name: ChainName; index: string; docs: IndexedDocument[] }>();
    for (const r of received)
      if (!chains.has(r.name.chain)) chains.set(r.name.chain, { name: r.name, index: r.index, docs: [] });
    try {
      // A redelivered record is already in its chain: it keeps its seq and is not appended again.
      const stored = await store.getMany(received.map((r) => ({ index: r.index, id: r.id })));
      const fresh = received.filter((r) => !stored.has(`${r.index}/${r.id}`));
      counters.inc('already_stored', received.length - fresh.length);

      const positionOf = async (name: ChainName, index: string): Promise<ChainPosition> => {
        const cached = cache.get(name.chain);
        if (cached !== undefined) return cached;
        const loaded = await loadPosition(name, index);
        cache.set(name.chain, loaded);
        return loaded;
      };
      for (const r of fresh) {
        const document = appendRecord(r.name, await positionOf(r.name, r.index), r);
        cache.set(r.name.chain, { seq: document.seq, hash: document.hash });
        chains.get(r.name.chain)?.docs.push({ index: r.index, id: document.id, document });
      }
      // Each chain's records in seq order, then its head: one shard applies them in this order. A chain
      // whose records were all stored before still gets its head, in case a crash cut it off last time.
      const docs: IndexedDocument[] = [];
      const now = new Date().toISOString();
      for (const { name, index, docs: records } of chains.values()) {
        docs.push(...records);
        const position = await positionOf(name, index);
        if (position.seq === 0) continue;
        const head: ChainHead = { entry: 'head', ...name, ...position, updated_at: now };
        docs.push({ index, id: chainHeadId(name.chain), document: head });
      }
      const result = await store.bulkIndex(docs);
      // A refused record would leave a gap in its chain: better to stop and retry than to go on past it.
      if (result.rejected.length > 0) {
        const first = result.rejected[0];
        throw new Error(
          `Elasticsearch refused ${result.rejected.length} evidence document(s), e.g. ${first?.doc.id}: ` +
            `${first?.type}: ${first?.reason}`,
        );
      }
      counters.inc('stored', fresh.length);
      await bus.produce(deadLetterTopic, letters);
      counters.inc('dead_letters', letters.length);
    } catch (err) {
      // What was written is unknown: the chains are read back from Elasticsearch on the retry.
      for (const chain of chains.keys()) cache.delete(chain);
      counters.inc('failed_batches');
      throw err;
    }
  };
  const together = gatherInto(handleBatches);

  const consumption: Consumption = await bus.consume({
    groupId: group,
    topics: [...kinds.keys()],
    fromBeginning: true,
    // Partitions may have moved: another instance may have appended to the chains cached here.
    onAssignment: () => {
      positions = new BoundedMemory<ChainPosition>(50_000);
    },
    fetch: { minBytes: config.index.batch.minFetchBytes, maxWaitMs: config.index.batch.maxWaitMs },
    partitionsConcurrently: PARTITIONS_TOGETHER,
    handler: together,
  });
  log.info({ group }, 'evidence stage running');
  return { counters, stop: () => consumption.stop() };
}
