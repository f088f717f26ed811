// Correlation stage: sessions, findings, notices and reconciliations from canonical events.
//   input:  rm.events (group <namespace>rmwatch.correlate); the tables rm.approvals and rm.registry, read
//           whole by every instance and followed
//   output: rm.sessions (key: session id; also this stage's state), rm.findings (key: finding id),
//           rm.notices (key: session id), rm.reconciliations (key: approval id), rm.deadletter (events
//           that are not canonical events, with their bytes)
//   config: `correlate` (processors/correlate/settings.ts)
// A batch's findings, notices and reconciliations are written before its sessions, and its offsets are
// committed after both: the session records are the checkpoint. After a restart, a rebalance or a failed
// write the stage rebuilds its state from rm.sessions (the partitions it owns) and rm.reconciliations;
// events read again are already in those sessions and change nothing, so nothing is written twice.
import type { ResolvedConfig } from '../../infra/config.ts';
import type { Consumption, IncomingRecord, MessageBus, RecordBatch, TopicRecord } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { gatherInto, PARTITIONS_TOGETHER } from '../../infra/gather.ts';
import { followTopicTable } from '../../infra/table.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { Approval } from '../../model/approval.ts';
import { deadLetterRecord } from '../dead-letter.ts';
import { CanonicalEvent } from '../../model/event.ts';
import { Reconciliation } from '../../model/reconciliation.ts';
import { RegistryRecord } from '../../model/registry.ts';
import { Session } from '../../model/session.ts';
import { Correlator, type Output } from './engine.ts';
import { registryGapReporter } from './registry-gaps.ts';

export interface CorrelateStage {
  counters: Counters;
  stop(): Promise<void>;
}

const TICK_MS = 5000;

export async function startCorrelateStage(
  config: Pick<ResolvedConfig, 'namespace' | 'correlate'>,
  bus: MessageBus,
  log: Logger,
): Promise<CorrelateStage> {
  const counters = new Counters('correlate', [
    'events',
    /** Pieces of work (a fetch's partitions together): events per piece is how well batching pays. */
    'batches',
    'dead_letters',
    'duplicates',
    'late',
    'findings_written',
    'notices_written',
    'sessions_written',
  ]);
  const topic = (t: (typeof TOPICS)[keyof typeof TOPICS]) => topicName(config, t);
  const group = `${config.namespace}rmwatch.correlate`;

  // One thing at a time: batches, table changes and clock ticks all change the same sessions.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => undefined);
    return next;
  };

  const write = async (out: Output): Promise<void> => {
    const first: TopicRecord[] = [
      ...out.findings.map((f) => ({
        topic: topic(TOPICS.findings),
        record: { key: f.id, value: JSON.stringify(f) },
      })),
      ...out.notices.map((n) => ({
        topic: topic(TOPICS.notices),
        record: { key: n.session_id, value: JSON.stringify(n) },
      })),
      ...out.reconciliations.map((r) => ({
        topic: topic(TOPICS.reconciliations),
        record: { key: r.id, value: JSON.stringify(r) },
      })),
    ];
    await bus.produceAll(first);
    await bus.produce(
      topic(TOPICS.sessions),
      out.sessions.map((s) => ({ key: s.id, value: JSON.stringify(s) })),
    );
    counters.inc('findings_written', out.findings.length);
    counters.inc('notices_written', out.notices.length);
    counters.inc('sessions_written', out.sessions.length);
  };

  // The correlator's memory is a cache of the checkpoint (rm.sessions and rm.reconciliations as written)
  // plus what came since. Whenever the two may differ (a new assignment, or a write that failed after the
  // correlator had already moved on) it is thrown away and built again from the checkpoint before the next
  // piece of work; the events after the checkpoint are then read again and judged again, so what a failed
  // write would have said is said, and nothing is said twice under two names.
  let correlator: Correlator | undefined;
  let owned: number[] = [];
  const reportGaps = registryGapReporter(log);
  let stale = true;
  const json = (v: Buffer): unknown => JSON.parse(v.toString('utf8'));
  const counted =
    <T>(name: string, parse: (v: unknown) => T) =>
    (v: Buffer): T => {
      try {
        return parse(json(v));
      } catch (err) {
        counters.inc(`${name}_invalid`);
        throw err;
      }
    };
  const changed = (name: string, apply: (c: Correlator) => Output) => {
    // Before the correlator exists, the table it will start from already holds the change; a stale one is
    // rebuilt from the tables as they are now, the change included.
    if (!correlator) return;
    void serial(async () => {
      if (stale) return current();
      const c = await current();
      await guarded(c, () => apply(c));
      reportGaps(c.registry);
    }).catch((err: unknown) => log.error({ err }, `writing what a ${name} change altered failed`));
  };
  /** The latest record per key of a table topic as it stands now (damaged records are logged and skipped). */
  async function readTable<T>(name: string, parse: (v: unknown) => T): Promise<ReadonlyMap<string, T>> {
    const table = await followTopicTable(bus, name, (v) => parse(json(v)), log);
    await table.stop();
    return table.rows;
  }

  // Tables first: a session is judged against every approval and registry entry there is. The correlator
  // starts from them as loaded; a change afterwards re-judges what it concerns.
  const registry = await followTopicTable(
    bus,
    topic(TOPICS.registry),
    counted('registry', (v) => RegistryRecord.parse(v)),
    log,
    (key, value) => changed('registry', (c) => c.setRegistry(key, value)),
  );
  const approvals = await followTopicTable(
    bus,
    topic(TOPICS.approvals),
    counted('approval', (v) => Approval.parse(v)),
    log,
    (key, value) => changed('approval', (c) => c.setApproval(key, value)),
  );
  const rebuild = async (): Promise<Correlator> => {
    const fresh = new Correlator({
      settings: config.correlate,
      clock: () => new Date().toISOString(),
      registry: [...registry.rows.values()],
      approvals: [...approvals.rows.values()],
    });
    for (const r of (await readTable(topic(TOPICS.reconciliations), Reconciliation.parse)).values())
      fresh.restoreReconciliation(r);
    const mine = new Set(owned);
    let restored = 0;
    for (const session of (await readTable(topic(TOPICS.sessions), Session.parse)).values())
      if (session.shard === undefined || mine.has(session.shard)) {
        fresh.restoreSession(session);
        restored++;
      }
    counters.inc('sessions_restored', restored);
    log.info({ partitions: owned, sessions: restored }, 'session state rebuilt from the checkpoint');
    correlator = fresh;
    stale = false;
    reportGaps(fresh.registry);
    // Approvals or the registry may have changed since the checkpoint was written.
    await guarded(fresh, () => fresh.reevaluateAll());
    return fresh;
  };
  /** The correlator, rebuilt first if it may have drifted from the checkpoint. */
  const current = async (): Promise<Correlator> =>
    stale || correlator === undefined ? rebuild() : correlator;
  /** Writes what `work` produced; a failure leaves the correlator ahead of the checkpoint, so it is dropped. */
  async function guarded(c: Correlator, work: () => Output): Promise<void> {
    const out = work();
    try {
      await write(dedupeSessions(out));
    } catch (err) {
      if (correlator === c) stale = true;
      throw err;
    }
  }
  // Built on the first assignment (the group join comes before the first batch).
  const reload = (partitions: number[]) => {
    owned = partitions;
    stale = true;
    void serial(current).catch((err: unknown) =>
      log.warn({ err }, 'rebuilding session state failed; the next batch tries again'),
    );
  };

  let lastArrival = Date.now();
  /** One fetch's batches (a partition each), judged together: see `together`. */
  const correlateBatches = async (batches: readonly RecordBatch[]): Promise<void> => {
    const correlator = await current();
    lastArrival = Date.now();
    counters.inc('batches');
    const letters: TopicRecord[] = [];
    const events: { event: CanonicalEvent; shard: number }[] = [];
    for (const batch of batches)
      for (const record of batch.records) {
        counters.inc('events');
        const event = parseEvent(record);
        if (event.ok) events.push({ event: event.value, shard: batch.partition });
        else
          letters.push({
            topic: topic(TOPICS.deadLetter),
            record: deadLetterRecord('correlate', record, event.error),
          });
      }
    await bus.produceAll(letters);
    counters.inc('dead_letters', letters.length);
    await guarded(correlator, () => {
      const { results, output } = correlator.ingestBatch(events);
      for (const result of results) {
        if (result.kind === 'ignored') counters.inc(`ignored_${result.reason}`);
        else if (result.kind === 'duplicate') counters.inc('duplicates');
        else if (result.late) counters.inc('late');
      }
      return output;
    });
  };
  // The partitions of one fetch are judged as one piece of work with one write (infra/gather.ts): every
  // session a piece touches is judged and written again, and each write waits for the broker.
  const together = gatherInto((batches: RecordBatch[]) => serial(() => correlateBatches(batches)));

  const eventsTopic = topic(TOPICS.events);
  const consumption: Consumption = await bus.consume({
    groupId: group,
    topics: [eventsTopic],
    fromBeginning: true,
    fetch: {
      minBytes: config.correlate.batch.minFetchBytes,
      maxWaitMs: config.correlate.batch.maxWaitMs,
      maxBytes: config.correlate.batch.maxFetchBytes,
      maxBytesPerPartition: config.correlate.batch.maxFetchBytesPerPartition,
    },
    partitionsConcurrently: PARTITIONS_TOGETHER,
    onAssignment: (assignment) => reload(assignment[eventsTopic] ?? []),
    handler: together,
  });

  // With no events for a while, event time follows the clock: silent sessions close, open ones cross
  // their window's end.
  const quietMs = config.correlate.quietSeconds * 1000;
  const tick = setInterval(() => {
    const idle = Date.now() - lastArrival;
    if (idle < quietMs) return;
    void serial(async () => {
      const c = await current();
      if (!Number.isFinite(c.stitcher.newestEvent)) return;
      const to = c.stitcher.newestEvent + idle;
      lastArrival = Date.now();
      await guarded(c, () => c.advanceTo(to));
    }).catch((err: unknown) => log.error({ err }, 'writing what the clock changed failed'));
  }, TICK_MS);
  tick.unref();

  log.info({ group }, 'correlator running');
  return {
    counters,
    async stop() {
      clearInterval(tick);
      // The tables only read: they stop beside the consumer, each stop waiting out a fetch in flight at once.
      await Promise.all([consumption.stop(), registry.stop(), approvals.stop()]);
      await chain;
    },
  };
}

function parseEvent(
  record: IncomingRecord,
): { ok: true; value: CanonicalEvent } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse((record.value ?? Buffer.alloc(0)).toString('utf8'));
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  const parsed = CanonicalEvent.safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      error: `not a canonical event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    };
  return { ok: true, value: parsed.data };
}

/** A batch touches a session many times; only its last version needs writing. */
function dedupeSessions(out: Output): Output {
  const last = new Map<string, Session>();
  for (const s of out.sessions) last.set(s.id, s);
  const findings = new Map(out.findings.map((f) => [f.id, f]));
  const reconciliations = new Map(out.reconciliations.map((r) => [r.id, r]));
  return {
    ...out,
    sessions: [...last.values()],
    findings: [...findings.values()],
    reconciliations: [...reconciliations.values()],
  };
}
