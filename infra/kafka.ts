// The message bus: the only module that imports the Kafka clients, so a client swap touches this file alone.
// Contract: produce batches (idempotent, acks=all); consume batches and commit a partition's offset only
// after the handler succeeded for the whole batch (a failing handler gets the same records again);
// create topics.
// Two clients: records are produced with @platformatic/kafka, which takes a sixth of kafkajs's CPU for the
// same bytes (kafkajs copies a record batch through several growing buffers and checksums it byte by byte;
// that was most of the syslog collector's work); consuming and administration stay on kafkajs, whose
// batch-and-commit consumer the processors are built on.
import {
  Producer as RecordProducer,
  ProduceAcks,
  compatibilityPartitioner,
  type SASLOptions as ProducerSaslOptions,
} from '@platformatic/kafka';
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, KafkaMessage, LogEntry, SASLOptions } from 'kafkajs';
import type { ResolvedConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { TopicSpec } from './topics.ts';

export interface OutgoingRecord {
  key: string | null;
  value: Buffer | string | null;
  headers?: Record<string, string>;
}

/** A record with the topic it goes to, for producing to several topics at once. */
export interface TopicRecord {
  topic: string;
  record: OutgoingRecord;
}

export interface IncomingRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Broker or producer timestamp, epoch milliseconds as a string. */
  timestamp: string;
}

export interface RecordBatch {
  topic: string;
  partition: number;
  records: IncomingRecord[];
}

export interface ConsumeOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts. */
  fromBeginning?: boolean;
  handler: (batch: RecordBatch) => Promise<void>;
  /** Back-off between attempts of a failing handler. */
  retry?: { initialMs?: number; maxMs?: number };
  onHandlerError?: (error: unknown, batch: RecordBatch, attempt: number) => void;
  /**
   * Called when this member (re)joins the group, with the partitions it now owns per topic; stages that
   * keep state per partition reload it here. Batches may be handed over before it returns, so a stage
   * that needs its state first waits for its own reload.
   */
  onAssignment?: (assignment: Record<string, number[]>) => void;
  /**
   * Batching by size and time at the broker: a fetch returns once `minBytes` are there or `maxWaitMs` passed;
   * `maxBytesPerPartition` bounds one batch. A sink that writes in bulk asks for fuller batches.
   */
  fetch?: { minBytes?: number; maxWaitMs?: number; maxBytesPerPartition?: number; maxBytes?: number };
  /** Batches of different partitions handled at once (each partition's stay in order); default 1. */
  partitionsConcurrently?: number;
  /**
   * How long the group waits for a member that does not heartbeat before it gives the member's partitions
   * to others (default 30 s). While a batch handler runs, the member heartbeats on its own.
   */
  sessionTimeoutMs?: number;
  /**
   * How long a batch handler may run and keep its member's partitions (default 300 s, as the Java client's
   * `max.poll.interval.ms`): past it the member stops heartbeating, so that a handler stuck for good lets
   * the group hand its partitions to another member; its batch is then not committed and is read again.
   */
  maxHandlingMs?: number;
}

export interface Consumption {
  /** Stops fetching; a batch in its handler finishes or is abandoned uncommitted. */
  stop(): Promise<void>;
}

export interface FollowOptions {
  topic: string;
  /** Every record from the topic's beginning on, in offset order per partition; updates keep coming. */
  onRecord: (record: IncomingRecord) => void;
}

/** A topic read whole as a table (compacted approvals, registry, sessions), then followed for updates. */
export interface TableFollower {
  /** Resolves once every record that was in the topic when following began has been handed over. */
  caughtUp: Promise<void>;
  stop(): Promise<void>;
}

export interface TopicChange {
  topic: string;
  action: 'created' | 'unchanged' | 'drift';
  detail?: string;
}

export interface GroupLag {
  group: string;
  topic: string;
  partitions: number;
  /** Sums over the topic's partitions: the group's next offsets (the start where it has none), the ends. */
  committed: number;
  end: number;
  lag: number;
}

export interface MessageBus {
  produce(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  /** Records bound for several topics; the order within each topic is kept. */
  produceAll(entries: readonly TopicRecord[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<Consumption>;
  /** Reads a topic from its beginning without a committing group: every instance sees all of it. */
  followTable(options: FollowOptions): Promise<TableFollower>;
  ensureTopics(specs: readonly TopicSpec[]): Promise<TopicChange[]>;
  deleteTopics(names: readonly string[]): Promise<void>;
  /** Committed offset per partition (the next offset the group will read; -1 when none). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, string>>;
  /** Sum over partitions of the topic's end offsets: how many records it has taken so far. */
  topicEndOffsets(topic: string): Promise<number>;
  /** How far behind each consumer group whose id starts with `groupPrefix` is, per topic it commits on. */
  consumerLag(groupPrefix: string): Promise<GroupLag[]>;
  /** Resolves once the cluster answers metadata requests and its group coordinator is loaded. */
  waitUntilReady(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

// kafkajs is CommonJS; not all of its exports are visible to ESM named imports.
const { ConfigResourceTypes, Kafka, logLevel: KafkaLogLevel } = kafkajs;

const PRODUCE_MAX_RECORDS = 5000;
// The broker refuses record batches over message.max.bytes (1 MiB by default); stay well under it.
const PRODUCE_MAX_BYTES = 768 * 1024;
const RECORD_OVERHEAD_BYTES = 64;

/** Splits records into requests of at most PRODUCE_MAX_RECORDS records and about PRODUCE_MAX_BYTES bytes. */
function requestSized(entries: readonly TopicRecord[]): TopicRecord[][] {
  const chunks: TopicRecord[][] = [];
  let chunk: TopicRecord[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const r = entry.record;
    let size =
      RECORD_OVERHEAD_BYTES + (r.key?.length ?? 0) + (r.value === null ? 0 : Buffer.byteLength(r.value));
    if (r.headers) for (const [k, v] of Object.entries(r.headers)) size += k.length + v.length + 4;
    if (chunk.length > 0 && (chunk.length >= PRODUCE_MAX_RECORDS || bytes + size > PRODUCE_MAX_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

export interface BusOptions {
  /**
   * How often a failed produce is retried inside the client before it reports the failure. Collectors
   * keep this low: they have a journal to fall back on and must not hold records in memory for long.
   */
  produceRetries?: number;
  /**
   * A consumer the client gave up on (it will not restart it): the process then reads nothing more. A stage
   * process reports itself unhealthy and exits, so that its supervisor restarts it.
   */
  onConsumerCrash?: (err: Error) => void;
}

export function createMessageBus(
  config: Pick<ResolvedConfig, 'kafka'>,
  log: Logger,
  options: BusOptions = {},
): MessageBus {
  const busOptions = options;
  const settings = config.kafka;
  const kafka = new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ssl: settings.ssl,
    sasl: settings.sasl as SASLOptions | undefined,
    connectionTimeout: settings.connectionTimeoutMs,
    logLevel: KafkaLogLevel.INFO,
    // A collector wants to hear of an outage fast (it has a journal); processors keep the client's patience.
    retry:
      options.produceRetries === undefined
        ? undefined
        : { retries: options.produceRetries, maxRetryTime: 2000 },
    logCreator: () => (entry) => forwardLog(log, entry),
  });

  let producer: RecordProducer | undefined;
  let admin: Promise<Admin> | undefined;
  const consumers = new Set<Consumer>();

  const getProducer = (): RecordProducer => {
    producer ??= new RecordProducer({
      clientId: settings.clientId,
      bootstrapBrokers: settings.brokers,
      connectTimeout: settings.connectionTimeoutMs,
      tls: settings.ssl ? {} : undefined,
      sasl: settings.sasl
        ? {
            mechanism: settings.sasl.mechanism.toUpperCase() as ProducerSaslOptions['mechanism'],
            username: settings.sasl.username,
            password: settings.sasl.password,
          }
        : undefined,
      idempotent: true,
      acks: ProduceAcks.ALL,
      // Java's (and kafkajs's) key → partition mapping, so a key lands where any other client would put it.
      partitioner: compatibilityPartitioner,
      autocreateTopics: false,
      // A collector wants to hear of an outage fast (it has a journal); processors keep more patience. The
      // client retries an idempotent producer's request forever when asked for fewer than two retries.
      retries: Math.max(2, options.produceRetries ?? 5),
      retryDelay: options.produceRetries === undefined ? 1000 : 250,
    });
    return producer;
  };

  const getAdmin = (): Promise<Admin> => {
    admin ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      return a;
    })().catch((err: unknown) => {
      admin = undefined;
      throw err;
    });
    return admin;
  };

  // One request carries every topic's records: a stage that writes findings, notices and reconciliations
  // waits for one acknowledgement instead of one per topic.
  const produceAll = async (entries: readonly TopicRecord[]): Promise<void> => {
    if (entries.length === 0) return;
    const p = getProducer();
    try {
      for (const chunk of requestSized(entries))
        await p.send({
          messages: chunk.map(({ topic, record: r }) => ({
            topic,
            key: r.key === null ? undefined : Buffer.from(r.key),
            value:
              r.value === null ? undefined : typeof r.value === 'string' ? Buffer.from(r.value) : r.value,
            headers: r.headers ? headerMap(r.headers) : undefined,
          })),
        });
    } catch (err) {
      // Whether the broker took the failed request is unknown, so the producer's sequence numbers may be off:
      // the next produce starts a new producer rather than have every later request refused.
      if (producer === p) producer = undefined;
      void p.close().catch(() => undefined);
      throw err;
    }
  };

  return {
    produce: (topic, records) => produceAll(records.map((record) => ({ topic, record }))),
    produceAll,

    async consume(options) {
      const consumer = kafka.consumer({
        groupId: options.groupId,
        allowAutoTopicCreation: false,
        minBytes: options.fetch?.minBytes,
        maxWaitTimeInMs: options.fetch?.maxWaitMs,
        maxBytesPerPartition: options.fetch?.maxBytesPerPartition,
        maxBytes: options.fetch?.maxBytes,
        sessionTimeout: options.sessionTimeoutMs,
      });
      consumers.add(consumer);
      consumer.on(consumer.events.CRASH, (e) => {
        if (!e.payload.restart) busOptions.onConsumerCrash?.(e.payload.error);
      });
      const maxHandlingMs = options.maxHandlingMs ?? 300_000;
      const initialMs = options.retry?.initialMs ?? 200;
      const maxMs = options.retry?.maxMs ?? 10_000;
      const stopping = new AbortController();

      if (options.onAssignment) {
        const onAssignment = options.onAssignment;
        consumer.on(consumer.events.GROUP_JOIN, (e) => onAssignment(e.payload.memberAssignment));
      }
      await consumer.connect();
      await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? false });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
          if (batch.messages.length === 0) return;
          const view: RecordBatch = {
            topic: batch.topic,
            partition: batch.partition,
            records: batch.messages.map((m) => toIncoming(batch.topic, batch.partition, m)),
          };
          for (let attempt = 1; ; attempt++) {
            // Leaving without resolving means the batch is fetched again: by us, or by whoever owns it next.
            if (!isRunning() || isStale() || stopping.signal.aborted) return;
            try {
              await heartbeating(() => options.handler(view), heartbeat, maxHandlingMs);
              break;
            } catch (err) {
              options.onHandlerError?.(err, view, attempt);
              log.warn(
                { err, topic: view.topic, partition: view.partition, attempt },
                'batch handler failed; retrying the same records',
              );
              await sleep(Math.min(maxMs, initialMs * 2 ** (attempt - 1)), stopping.signal);
              await heartbeat().catch(() => undefined);
            }
          }
          const last = batch.lastOffset();
          resolveOffset(last);
          try {
            await consumer.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
            ]);
          } catch (err) {
            const lost = groupMembershipLost(err);
            if (!lost) throw err;
            log.warn(
              { topic: batch.topic, partition: batch.partition, reason: lost.type },
              'the group moved on while the batch was handled (it outlasted the session timeout, or members ' +
                'changed): its offset is not committed, and the partition is read again by its owner',
            );
            throw lost;
          }
          await heartbeat();
        },
      });

      return {
        async stop() {
          stopping.abort();
          consumers.delete(consumer);
          await consumer.disconnect();
        },
      };
    },

    async followTable({ topic, onRecord }) {
      const a = await getAdmin();
      // Where the topic ended when following began: reaching these offsets is being caught up.
      const ends = new Map(
        (await a.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)] as const),
      );
      const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
      let markCaughtUp!: () => void;
      const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
      if (pending.size === 0) markCaughtUp();
      // A group of its own that never commits: nothing is remembered, each start reads the table again.
      const consumer = kafka.consumer({
        groupId: `${settings.clientId}.table.${topic}.${randomUUID()}`,
        allowAutoTopicCreation: false,
      });
      consumers.add(consumer);
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) onRecord(toIncoming(batch.topic, batch.partition, m));
          const end = ends.get(batch.partition) ?? 0n;
          if (pending.has(batch.partition) && BigInt(batch.lastOffset()) + 1n >= end) {
            pending.delete(batch.partition);
            if (pending.size === 0) markCaughtUp();
          }
        },
      });
      return {
        caughtUp,
        async stop() {
          consumers.delete(consumer);
          await consumer.disconnect();
        },
      };
    },

    async ensureTopics(specs) {
      const a = await getAdmin();
      const existing = new Set(await a.listTopics());
      const missing = specs.filter((s) => !existing.has(s.name));
      const changes: TopicChange[] = [];
      if (missing.length > 0) {
        await a
          .createTopics({
            waitForLeaders: true,
            topics: missing.map((s) => ({
              topic: s.name,
              numPartitions: s.partitions,
              replicationFactor: s.replicationFactor,
              configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })),
            })),
          })
          .catch(async (err: unknown) => {
            // The topics were created, but the client gave up waiting for their leaders (a broker busy with
            // just-deleted topics answers "unknown topic" for a while): wait on, with patience of our own.
            if (!isRetriable(err)) throw err;
            await untilLeaders(
              a,
              missing.map((s) => s.name),
            );
          });
        for (const s of missing) changes.push({ topic: s.name, action: 'created' });
      }
      const present = specs.filter((s) => existing.has(s.name));
      if (present.length === 0) return changes;

      const metadata = await a.fetchTopicMetadata({ topics: present.map((s) => s.name) });
      const described = await a.describeConfigs({
        includeSynonyms: false,
        resources: present.map((s) => ({
          type: ConfigResourceTypes.TOPIC,
          name: s.name,
          configNames: Object.keys(s.configs),
        })),
      });
      for (const spec of present) {
        const drift: string[] = [];
        const partitions = metadata.topics.find((t) => t.name === spec.name)?.partitions.length ?? 0;
        if (partitions !== spec.partitions)
          drift.push(`partitions ${partitions}, expected ${spec.partitions}`);
        const entries = described.resources.find((r) => r.resourceName === spec.name)?.configEntries ?? [];
        for (const [name, want] of Object.entries(spec.configs)) {
          const have = entries.find((e) => e.configName === name)?.configValue;
          if (have !== want) drift.push(`${name}=${have ?? '(unset)'}, expected ${want}`);
        }
        changes.push(
          drift.length === 0
            ? { topic: spec.name, action: 'unchanged' }
            : { topic: spec.name, action: 'drift', detail: drift.join('; ') },
        );
      }
      return changes;
    },

    async deleteTopics(names) {
      if (names.length === 0) return;
      const a = await getAdmin();
      const existing = new Set(await a.listTopics());
      const present = names.filter((n) => existing.has(n));
      if (present.length > 0) await a.deleteTopics({ topics: present });
    },

    async committedOffsets(groupId, topic) {
      const a = await getAdmin();
      const [result] = await a.fetchOffsets({ groupId, topics: [topic] });
      return new Map((result?.partitions ?? []).map((p) => [p.partition, p.offset]));
    },

    async topicEndOffsets(topic) {
      const a = await getAdmin();
      const offsets = await a.fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + Number(p.high), 0);
    },

    async consumerLag(groupPrefix) {
      const a = await getAdmin();
      const { groups } = await a.listGroups();
      const lags: GroupLag[] = [];
      for (const { groupId } of groups.filter((g) => g.groupId.startsWith(groupPrefix))) {
        for (const { topic, partitions } of await a.fetchOffsets({ groupId })) {
          const ends = await a.fetchTopicOffsets(topic);
          let committed = 0;
          let end = 0;
          for (const p of ends) {
            const next = Number(partitions.find((c) => c.partition === p.partition)?.offset ?? -1);
            // No commit yet: the group will read from the start, so everything there is still ahead of it.
            committed += next >= 0 ? next : Number(p.low);
            end += Number(p.high);
          }
          lags.push({ group: groupId, topic, partitions: ends.length, committed, end, lag: end - committed });
        }
      }
      return lags;
    },

    async waitUntilReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      while (Date.now() < deadline) {
        try {
          const a = await getAdmin();
          await a.describeCluster();
          // The group coordinator loads __consumer_offsets after the broker starts; until then groups fail.
          await a.describeGroups(['rmwatch-readiness-probe']);
          return;
        } catch (err) {
          lastError = err;
          await sleep(500);
        }
      }
      throw new Error(
        `Kafka at ${settings.brokers.join(',')} not ready after ${timeoutMs} ms: ${String(lastError)}`,
      );
    },

    async close() {
      const closing: Promise<unknown>[] = [...consumers].map((c) => c.disconnect());
      consumers.clear();
      if (producer) closing.push(producer.close().catch(() => undefined));
      if (admin) closing.push(admin.then((a) => a.disconnect()).catch(() => undefined));
      producer = undefined;
      admin = undefined;
      await Promise.allSettled(closing);
    },
  };
}

/**
 * The errors that say this member no longer owns its partitions: the group rebalanced without it. kafkajs
 * rejoins on them, but only when it sees them as such; its retrier hands a failed commit on wrapped in an
 * error without their type, and that crashes the consumer for good. The original, found here, is what the
 * batch handler throws instead.
 */
export function groupMembershipLost(err: unknown): (Error & { type: string }) | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && MEMBERSHIP_LOST.has(type)) return e as Error & { type: string };
  }
  return undefined;
}
const MEMBERSHIP_LOST = new Set([
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
]);

function headerMap(headers: Readonly<Record<string, string>>): Map<Buffer, Buffer> {
  const map = new Map<Buffer, Buffer>();
  for (const [name, value] of Object.entries(headers)) map.set(Buffer.from(name), Buffer.from(value));
  return map;
}

function toIncoming(topic: string, partition: number, m: KafkaMessage): IncomingRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null ? null : m.key.toString('utf8'),
    value: m.value,
    headers,
    timestamp: m.timestamp,
  };
}

function forwardLog(log: Logger, { level, namespace, log: entry }: LogEntry): void {
  const { message, ...fields } = entry;
  // The client reports every retriable protocol answer (coordinator loading, leader moving) as an error;
  // those are routine while a broker starts or rebalances.
  // Likewise each failed connection attempt while a broker is away: the callers report the outage once.
  const routine =
    typeof message === 'string' &&
    ((namespace === 'Connection' &&
      (message.startsWith('Response') || message.startsWith('Connection error'))) ||
      message.startsWith('Failed to connect to seed broker'));
  const child = { kafka: fields };
  if (routine) log.debug(child, message);
  else if (level === KafkaLogLevel.ERROR) log.error(child, message);
  else if (level === KafkaLogLevel.WARN) log.warn(child, message);
  else log.debug(child, message);
}

/**
 * Runs a batch handler while heartbeating in the background, for at most `maxMs`. kafkajs heartbeats only
 * between batches, so a batch that took longer than the session timeout (a correlator judging a big batch on
 * a loaded machine) lost its member: the group rebalanced, and the batch was judged again elsewhere.
 */
async function heartbeating(
  work: () => Promise<void>,
  heartbeat: () => Promise<void>,
  maxMs: number,
): Promise<void> {
  const started = Date.now();
  // kafkajs sends a heartbeat only when its own interval (3 s) has passed; asking more often costs nothing.
  const timer = setInterval(() => {
    if (Date.now() - started >= maxMs) clearInterval(timer);
    else heartbeat().catch(() => undefined);
  }, 1000);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function isRetriable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}

/** Until every topic's partitions have leaders, or 60 s passed. */
async function untilLeaders(admin: Admin, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (!isRetriable(err) || Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics have no leaders after 60 s: ${topics.join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
