// The Elasticsearch sink (`rmwatch run index`).
//   input:  rm.events, rm.sessions, rm.findings, rm.notices, rm.reconciliations, rm.approvals, rm.registry,
//           rm.deadletter (group <namespace>rmwatch.index; a subset of routes for special deployments)
//   output: Elasticsearch, one index per kind (events: monthly indices behind the alias; routes.ts says which
//           id and document each record becomes); records that cannot be indexed, and documents
//           Elasticsearch refuses for good (mapping errors), go to rm.deadletter with the reason
//   config: `index.batch` (bulk size, fetch size and wait), `index.partitionsConcurrently`,
//           `index.bulkConcurrency` (bulk requests in flight, shared by all partitions)
// A batch's offsets are committed only after Elasticsearch acknowledged every document of it (or it went to
// the dead letters). While Elasticsearch is down the batch is retried with back-off, so the partition pauses
// where it is and resumes with nothing lost; ids are the model's, so what is written twice is overwritten.
import type { ResolvedConfig } from '../../infra/config.ts';
import {
  SearchStoreUnavailableError,
  type BulkFailure,
  type BulkResult,
  type IndexedDocument,
  type SearchStore,
} from '../../infra/elasticsearch.ts';
import type { IncomingRecord, MessageBus, OutgoingRecord, RecordBatch } from '../../infra/kafka.ts';
import { gathering } from '../../infra/gather.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { deadLetterRecord } from '../dead-letter.ts';
import { ROUTE_NAMES, sinkRoutes, type RouteName } from './routes.ts';

export interface IndexSink {
  counters: Counters;
  /** Settles when the sink first joined its group and owns partitions. */
  assigned: Promise<void>;
  stop(): Promise<void>;
}

export interface IndexSinkOptions {
  routes?: readonly RouteName[];
  /** Consumer group; default `<namespace>rmwatch.index`. */
  group?: string;
}

interface Pending {
  doc: IndexedDocument;
  record: IncomingRecord;
  bytes: number;
}

/** A document Elasticsearch refused for good, and why. */
interface Refused {
  pending: Pending;
  refusal: BulkFailure;
}

export async function startIndexSink(
  config: Pick<ResolvedConfig, 'namespace' | 'index'>,
  bus: MessageBus,
  store: SearchStore,
  log: Logger,
  options: IndexSinkOptions = {},
): Promise<IndexSink> {
  const counters = new Counters('index', ['dead_letters', 'unavailable', 'bulk_requests']);
  const routes = sinkRoutes(config, options.routes ?? ROUTE_NAMES);
  const byTopic = new Map(routes.map((r) => [r.topic, r]));
  const deadLetterTopic = topicName(config, TOPICS.deadLetter);
  const batching = config.index.batch;
  const bulkSlots = new Slots(config.index.bulkConcurrency);
  let waiting = false;

  // The partitions of one fetch are written together (infra/gather.ts), in bulk requests of up to
  // `maxDocuments`: Elasticsearch's cost is as much per request as per document, and a fetch of many quiet
  // partitions would otherwise be as many small requests. Each batch gets back what was refused of it.
  const writeTogether = gathering(async (batches: Pending[][]): Promise<Refused[][]> => {
    const chunks = [...bulkSized(batches.flat(), batching.maxDocuments, batching.maxBytes)];
    // Every chunk is sent even when one fails (each batch is retried whole anyway, and overwrites).
    const results = await Promise.allSettled(
      chunks.map((chunk) =>
        bulkSlots.run(() => {
          counters.inc('bulk_requests');
          return store.bulkIndex(chunk.map((p) => p.doc));
        }),
      ),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const refused = new Map<IndexedDocument, BulkFailure>();
    for (const r of results as PromiseFulfilledResult<BulkResult>[])
      for (const refusal of r.value.rejected) refused.set(refusal.doc, refusal);
    return batches.map((batch) =>
      batch.flatMap((pending) => {
        const refusal = refused.get(pending.doc);
        return refusal ? [{ pending, refusal }] : [];
      }),
    );
  });

  const handle = async (batch: RecordBatch): Promise<void> => {
    const route = byTopic.get(batch.topic);
    if (!route) return;
    const letters: OutgoingRecord[] = [];
    // Only the latest version of a document in the batch is written: earlier ones would be overwritten.
    const latest = new Map<string, Pending>();
    for (const record of batch.records) {
      const doc = route.document(record);
      if (typeof doc === 'string') {
        letters.push(deadLetterRecord('index', record, doc));
        counters.inc(`${route.name}_invalid`);
        continue;
      }
      const key = `${doc.index}/${doc.id}`;
      latest.delete(key);
      latest.set(key, { doc, record, bytes: record.value?.length ?? 0 });
    }

    const pending = [...latest.values()];
    let refusals: Refused[];
    try {
      refusals = await writeTogether(pending);
    } catch (err) {
      if (err instanceof SearchStoreUnavailableError) {
        counters.inc('unavailable');
        if (!waiting)
          log.warn(
            { topic: batch.topic, partition: batch.partition, problem: err.message },
            'Elasticsearch is not taking documents; this partition waits and retries the same batch',
          );
        waiting = true;
      }
      throw err;
    }
    if (waiting) log.info({ topic: batch.topic }, 'Elasticsearch takes documents again; resuming');
    waiting = false;
    counters.inc(`${route.name}_indexed`, pending.length - refusals.length);
    for (const { pending: refused, refusal } of refusals) {
      // Elasticsearch quotes the refused value in its reason; the raw bytes travel in the letter anyway.
      const reason = clip(`Elasticsearch refused it: ${refusal.type}: ${refusal.reason}`, 600);
      counters.inc(`${route.name}_refused`);
      if (route.refusalsToDeadLetters) letters.push(deadLetterRecord('index', refused.record, reason));
      else
        log.error(
          { topic: batch.topic, partition: batch.partition, offset: refused.record.offset, reason },
          'a dead letter could not be indexed; it stays on the dead-letter topic only',
        );
    }
    await bus.produce(deadLetterTopic, letters);
    counters.inc('dead_letters', letters.length);
  };

  let markAssigned!: () => void;
  const assigned = new Promise<void>((resolve) => (markAssigned = resolve));
  const consumption = await bus.consume({
    groupId: options.group ?? `${config.namespace}rmwatch.index`,
    topics: routes.map((r) => r.topic),
    fromBeginning: true,
    fetch: {
      minBytes: batching.minFetchBytes,
      maxWaitMs: batching.maxWaitMs,
      maxBytesPerPartition: batching.maxFetchBytesPerPartition,
      maxBytes: batching.maxFetchBytes,
    },
    partitionsConcurrently: config.index.partitionsConcurrently,
    handler: handle,
    onAssignment: () => markAssigned(),
  });
  log.info({ routes: routes.map((r) => r.name) }, 'index sink running');
  return { counters, assigned, stop: () => consumption.stop() };
}

/** Splits documents into bulk requests of at most `maxDocuments` and about `maxBytes` each. */
export function* bulkSized<T extends { bytes: number }>(
  items: readonly T[],
  maxDocuments: number,
  maxBytes: number,
): Generator<T[]> {
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (chunk.length > 0 && (chunk.length >= maxDocuments || bytes + item.bytes > maxBytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += item.bytes;
  }
  if (chunk.length > 0) yield chunk;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** At most `size` tasks at a time; the others wait their turn in order. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
