// Correlation stage: sessions, findings, notices and reconciliations from canonical events.
//   input:  rm.events (group <namespace>rmwatch.correlate); the tables rm.approvals and rm.registry, read
//           whole by every instance and followed
//   output: rm.sessions (key: session id; also this stage's state), rm.findings (key: finding id),
//           rm.notices (key: session id), rm.reconciliations (key: approval id), rm.deadletter (events
//           that are not canonical events, with their bytes)
//   config: `correlate` (processors/correlate/settings.ts)
// A batch's findings, notices and reconciliations are written before its sessions, and its offsets are
// committed after both: the session records are the checkpoint. After a restart or a rebalance the stage
// reloads the sessions of the partitions it owns from rm.sessions; events read again are already in
// those sessions and change nothing, so nothing is written twice.
import type { ResolvedConfig } from '../../infra/config.ts';
import type {
  Consumption,
  IncomingRecord,
  MessageBus,
  TableFollower,
  TopicRecord,
} from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { Approval } from '../../model/approval.ts';
import { deadLetterRecord } from '../dead-letter.ts';
import { CanonicalEvent } from '../../model/event.ts';
import { Reconciliation } from '../../model/reconciliation.ts';
import { RegistryRecord } from '../../model/registry.ts';
import { Session } from '../../model/session.ts';
import { Correlator, type Output } from './engine.ts';

export interface CorrelateStage {
  counters: Counters;
  /** Resolves when the tables are loaded and the stage consumes. */
  stop(): Promise<void>;
}

const TICK_MS = 5000;

export async function startCorrelateStage(
  config: Pick<ResolvedConfig, 'namespace' | 'correlate'>,
  bus: MessageBus,
  log: Logger,
): Promise<CorrelateStage> {
  const counters = new Counters('correlate');
  const topic = (t: (typeof TOPICS)[keyof typeof TOPICS]) => topicName(config, t);
  const engine = new Correlator({ settings: config.correlate, clock: () => new Date().toISOString() });
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

  // Tables first: a session is judged against every approval and registry entry there is.
  const tables: TableFollower[] = [];
  const tableUpdate = <T>(
    name: string,
    parse: (v: unknown) => { success: true; data: T } | { success: false; error: { message: string } },
    apply: (key: string, value: T | undefined) => Output,
    loading: { done: boolean },
  ) => {
    return (record: IncomingRecord) => {
      const key = record.key;
      if (key === null) return;
      let value: T | undefined;
      if (record.value !== null) {
        let json: unknown;
        try {
          json = JSON.parse(record.value.toString('utf8'));
        } catch {
          json = undefined;
        }
        const parsed = parse(json);
        if (!parsed.success) {
          counters.inc(`${name}_invalid`);
          log.warn(
            { topic: record.topic, offset: record.offset, key },
            `${name} record is not valid; kept the previous version`,
          );
          return;
        }
        value = parsed.data;
      }
      if (!loading.done) {
        apply(key, value);
        return;
      }
      void serial(() => write(apply(key, value))).catch((err: unknown) =>
        log.error({ err, key }, `writing what a ${name} change altered failed`),
      );
    };
  };
  const approvalsLoaded = { done: false };
  const registryLoaded = { done: false };
  tables.push(
    await bus.followTable({
      topic: topic(TOPICS.registry),
      onRecord: tableUpdate(
        'registry',
        (v) => RegistryRecord.safeParse(v),
        (k, v) => engine.setRegistry(k, v),
        registryLoaded,
      ),
    }),
    await bus.followTable({
      topic: topic(TOPICS.approvals),
      onRecord: tableUpdate(
        'approval',
        (v) => Approval.safeParse(v),
        (k, v) => engine.setApproval(k, v),
        approvalsLoaded,
      ),
    }),
  );
  await Promise.all(tables.map((t) => t.caughtUp));
  registryLoaded.done = true;
  approvalsLoaded.done = true;
  await readWhole(bus, topic(TOPICS.reconciliations), (r) => {
    const parsed = Reconciliation.safeParse(r);
    if (parsed.success) engine.restoreReconciliation(parsed.data);
  });

  // Sessions of the partitions this instance owns, reloaded on every (re)assignment.
  let ready: Promise<void> = Promise.resolve();
  const reload = (partitions: number[]) => {
    ready = serial(async () => {
      engine.stitcher.clear();
      const owned = new Set(partitions);
      const latest = new Map<string, Session>();
      await readWhole(bus, topic(TOPICS.sessions), (value, key) => {
        const parsed = Session.safeParse(value);
        if (parsed.success && (parsed.data.shard === undefined || owned.has(parsed.data.shard)))
          latest.set(key ?? parsed.data.id, parsed.data);
      });
      for (const s of latest.values()) engine.restoreSession(s);
      counters.inc('sessions_restored', latest.size);
      log.info({ partitions, sessions: latest.size }, 'session state reloaded');
      await write(engine.reevaluateAll());
    });
  };

  let lastArrival = Date.now();
  const eventsTopic = topic(TOPICS.events);
  const consumption: Consumption = await bus.consume({
    groupId: group,
    topics: [eventsTopic],
    fromBeginning: true,
    onAssignment: (assignment) => reload(assignment[eventsTopic] ?? []),
    handler: async (batch) => {
      await ready;
      await serial(async () => {
        lastArrival = Date.now();
        const letters: TopicRecord[] = [];
        const events: { event: CanonicalEvent; shard: number }[] = [];
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
        const { results, output: out } = engine.ingestBatch(events);
        for (const result of results) {
          if (result.kind === 'ignored') counters.inc(`ignored_${result.reason}`);
          else if (result.kind === 'duplicate') counters.inc('duplicates');
          else if (result.late) counters.inc('late');
        }
        await bus.produceAll(letters);
        counters.inc('dead_letters', letters.length);
        await write(dedupeSessions(out));
      });
    },
  });

  // With no events for a while, event time follows the clock: silent sessions close, open ones cross
  // their window's end.
  const quietMs = config.correlate.quietSeconds * 1000;
  const tick = setInterval(() => {
    const idle = Date.now() - lastArrival;
    if (idle < quietMs || !Number.isFinite(engine.stitcher.newestEvent)) return;
    void serial(async () => {
      const to = engine.stitcher.newestEvent + idle;
      lastArrival = Date.now();
      await write(engine.advanceTo(to));
    }).catch((err: unknown) => log.error({ err }, 'writing what the clock changed failed'));
  }, TICK_MS);
  tick.unref();

  log.info({ group }, 'correlator running');
  return {
    counters,
    async stop() {
      clearInterval(tick);
      await consumption.stop();
      await chain;
      await Promise.all(tables.map((t) => t.stop()));
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

/** Reads a table topic from its beginning to where it ends now, then stops. */
async function readWhole(
  bus: MessageBus,
  topic: string,
  onValue: (value: unknown, key: string | null) => void,
): Promise<void> {
  const follower = await bus.followTable({
    topic,
    onRecord: (r) => {
      if (r.value === null) return;
      try {
        onValue(JSON.parse(r.value.toString('utf8')), r.key);
      } catch {
        // A damaged state record is skipped: the session is rebuilt from the events that follow.
      }
    },
  });
  await follower.caughtUp;
  await follower.stop();
}
