// One phase of the end-to-end benchmark: a fresh pipeline (every stage its own process), the load process
// offering a fixed rate for a fixed time, and meanwhile: how many events are searchable (every 5 s), when
// each marker's finding and event became searchable (polled every 200 ms), and what each process costs
// (/proc, every second; memory kept every `memoryEveryMs`). After the load, markers get `graceSeconds` more.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../infra/config.ts';
import { createSearchStore, type SearchStore } from '../infra/elasticsearch.ts';
import { indexName } from '../infra/index-templates.ts';
import { createMessageBus, type GroupLag, type MessageBus } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import { elasticsearchPid } from '../infra/stack/elasticsearch-node.ts';
import { kafkaPid } from '../infra/stack/kafka-broker.ts';
import { TOPICS, topicName } from '../infra/topics.ts';
import { startPipeline, type RunningPipeline } from './e2e-pipeline.ts';
import { pidListeningOn, sampleProcess, type ProcessSample } from './e2e-proc.ts';
import type { Point } from './e2e-stats.ts';
import { MARKER_PREFIX, type LoadPlan } from './e2e-traffic.ts';

export interface PhaseOptions {
  label: string;
  rate: number;
  /** Seconds of load measured, after the warm-up. */
  seconds: number;
  /**
   * Seconds of the same load before them, in which memory is not sampled: the stages' state fills to its
   * steady size (the correlator holds every closed session for a while, for late events), so growth in it is
   * by design, not a leak. Everything else (offered, searchable, latency, CPU) covers the warm-up too.
   */
  warmupSeconds: number;
  memoryEveryMs: number;
  graceSeconds: number;
  markerEveryMs: number;
  pool: number;
  /** Keep the namespace afterwards (the raw `_bulk` bound reads its documents); the caller removes it. */
  keep: boolean;
}

export interface ProcessUsage {
  name: string;
  /** Cores used on average over the load (CPU seconds / wall seconds). */
  cores: number;
  rssMeanBytes: number;
  rssMaxBytes: number;
  /** RSS every `memoryEveryMs` once the warm-up is over (t: seconds since the load began). */
  rss: Point[];
}

export interface MarkerTimes {
  account: string;
  sentAt: number;
  eventWrittenAt?: number;
  findingWrittenAt?: number;
  eventAt?: number;
  findingAt?: number;
}

export interface PhaseResult {
  options: PhaseOptions;
  namespace: string;
  /** Events the load process handed over (TCP written, HTTP accepted) by the end, and over time. */
  offered: number;
  /** Syslog lines not sent: past the socket's limit of unsent data. */
  heldBack: number;
  /** Windows events not sent: past the limit of the queue of POSTs. */
  heldBackHttp: number;
  /** Events the load process was too late to make (it shares the machine's CPU with the pipeline). */
  notMade: number;
  httpFailures: number;
  loadSeconds: number;
  /** (t seconds since the load started, offered, searchable events). */
  progress: { t: number; offered: number; indexed: number }[];
  indexedAtLoadEnd: number;
  /** Where the records not yet searchable waited when the load ended: each stage's group, what it had not read. */
  backlogAtLoadEnd: GroupLag[];
  /** Searchable events when the markers' grace ended (at most `graceSeconds` after the load; sooner when every marker was seen). */
  indexedAfterGrace: number;
  /** Seconds from the end of the load to that count. */
  afterGraceSeconds: number;
  deadLetters: number;
  findings: number;
  /** Receipt → searchable, ms; Infinity when it was not searchable by the end of the grace time. */
  findingLatency: number[];
  eventLatency: number[];
  /**
   * Each marker, ms since the epoch: when its line went into the socket, when its event and its
   * `out_of_window` finding were first written to Kafka (by the normaliser, by the correlator), and when
   * each was first found searchable. Where its latency went, hop by hop.
   */
  markers: MarkerTimes[];
  usage: ProcessUsage[];
  /** Stages that exited during the phase, seconds after the load began: its numbers hold only up to then. */
  stageExits: { stage: string; seconds: number; code: number | null; signal: string | null }[];
  pipeline?: RunningPipeline;
}

/** A marker's account in a record's text (`"e2emark12"`, not the start of `"e2emark123"`). */
const MARKER_ACCOUNT = new RegExp(`(?<=")${MARKER_PREFIX}\\d+(?=")`);

const LOAD = fileURLToPath(new URL('./e2e-load.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function count(store: SearchStore, index: string): Promise<number> {
  return store.count(index).catch(() => 0);
}

/** Which of `accounts` have a document in `index` where `field` names them. */
async function found(store: SearchStore, index: string, field: string, accounts: string[], extra: object[]) {
  if (accounts.length === 0) return new Set<string>();
  const result = await store
    .search(index, {
      size: accounts.length * 4,
      _source: [field],
      query: { bool: { filter: [{ terms: { [field]: accounts } }, ...extra] } },
    })
    .catch(() => ({ hits: [] as Record<string, unknown>[] }));
  const names = new Set<string>();
  for (const hit of result.hits) {
    const value = field
      .split('.')
      .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], hit);
    if (typeof value === 'string') names.add(value);
  }
  return names;
}

/**
 * When each marker's first record matching `wanted` was written to `topic` (the record's timestamp: the
 * producing stage's clock), by account. Reads the topic whole; markers are found by their account's name.
 */
async function firstWritten(
  bus: MessageBus,
  log: Logger,
  topic: string,
  wanted: (value: string) => boolean,
): Promise<Map<string, number>> {
  const first = new Map<string, number>();
  try {
    const table = await bus.followTable({
      topic,
      onRecord: (r) => {
        const value = r.value?.toString('utf8') ?? '';
        const account = MARKER_ACCOUNT.exec(value)?.[0];
        if (account === undefined || !wanted(value)) return;
        const at = Number(r.timestamp);
        if (at < (first.get(account) ?? Infinity)) first.set(account, at);
      },
    });
    await table.caughtUp;
    await table.stop();
  } catch (err) {
    log.warn({ err, topic }, "the markers' write times could not be read");
  }
  return first;
}

/** When each marker's event (by the normaliser) and its `out_of_window` finding (by the correlator) were written. */
async function markerWriteTimes(
  pipeline: RunningPipeline,
  log: Logger,
): Promise<{ event: Map<string, number>; finding: Map<string, number> }> {
  const bus = createMessageBus(pipeline.config, log);
  try {
    const [event, finding] = await Promise.all([
      firstWritten(bus, log, topicName(pipeline.config, TOPICS.events), () => true),
      firstWritten(bus, log, topicName(pipeline.config, TOPICS.findings), (v) =>
        v.includes('"rule":"out_of_window"'),
      ),
    ]);
    return { event, finding };
  } finally {
    await bus.close();
  }
}

/** Each stage's group and what it has yet to read of its input, the tables' own readers left out. */
async function stageBacklog(pipeline: RunningPipeline, log: Logger): Promise<GroupLag[]> {
  const bus = createMessageBus(pipeline.config, log);
  try {
    const lags = await bus.consumerLag(`${pipeline.namespace}rmwatch.`);
    return lags.filter((l) => !l.group.includes('.table.')).sort((a, b) => b.lag - a.lag);
  } catch (err) {
    log.warn({ err }, "the stages' backlog could not be read");
    return [];
  } finally {
    await bus.close();
  }
}

export async function runPhase(
  base: ResolvedConfig,
  log: Logger,
  options: PhaseOptions,
): Promise<PhaseResult> {
  const pipeline = await startPipeline(base, log, options.label);
  const store = createSearchStore(pipeline.config, log);
  const events = indexName(pipeline.config, 'events');
  const findingsIndex = indexName(pipeline.config, 'findings');
  const deadIndex = indexName(pipeline.config, 'deadletter');
  try {
    const plan: LoadPlan = {
      syslogPort: pipeline.syslogPort,
      windowsUrl: pipeline.windowsUrl,
      token: pipeline.token,
      rate: options.rate,
      seconds: options.warmupSeconds + options.seconds,
      markerEveryMs: options.markerEveryMs,
      pool: options.pool,
    };
    const load = spawn(process.execPath, ['--import', 'tsx', LOAD, JSON.stringify(plan)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const processes: { name: string; pid: number | undefined }[] = [
      ...Object.entries(pipeline.pids).map(([name, pid]) => ({ name, pid })),
      { name: 'Kafka', pid: kafkaPid(base.stack) ?? pidListeningOn(base.stack.kafkaPort) },
      {
        name: 'Elasticsearch',
        pid: elasticsearchPid(base.stack) ?? pidListeningOn(base.stack.elasticsearchPort),
      },
      { name: 'load generator', pid: load.pid },
    ];

    const sentAt = new Map<string, number>();
    const findingAt = new Map<string, number>();
    const eventAt = new Map<string, number>();
    let offered = 0;
    let done:
      | {
          offered: number;
          heldBack: number;
          heldBackHttp: number;
          notMade: number;
          httpFailures: number;
          seconds: number;
        }
      | undefined;
    let buffered = '';
    load.stdout.on('data', (b: Buffer) => {
      buffered += b.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = JSON.parse(line) as {
          marker?: string;
          sentAt?: number;
          progress?: { offered: number };
          done?: typeof done;
        };
        if (m.marker !== undefined && m.sentAt !== undefined) sentAt.set(m.marker, m.sentAt);
        if (m.progress) offered = m.progress.offered;
        if (m.done) done = m.done;
      }
    });
    const loadExited = new Promise<number | null>((r) => load.once('exit', r));

    const t0 = Date.now();
    const first = new Map<string, ProcessSample>();
    const last = new Map<string, ProcessSample & { at: number }>();
    const rss = new Map<string, Point[]>();
    const allRss = new Map<string, number[]>();
    for (const p of processes) {
      const s = p.pid === undefined ? undefined : sampleProcess(p.pid);
      if (s) first.set(p.name, s);
    }
    const progress: PhaseResult['progress'] = [];
    let lastSample = 0;
    let lastCount = 0;
    let lastMemory = -Infinity;
    let exited = false;
    void loadExited.then(() => (exited = true));
    let indexedAtLoadEnd = 0;
    let backlogAtLoadEnd: GroupLag[] = [];
    let graceUntil = Infinity;
    let loadEndedAt = 0;

    const poll = async () => {
      const now = Date.now();
      const waiting = (seen: Map<string, number>) => [...sentAt.keys()].filter((a) => !seen.has(a));
      const [f, e] = await Promise.all([
        found(store, findingsIndex, 'account', waiting(findingAt), [{ term: { rule: 'out_of_window' } }]),
        found(store, events, 'user.name', waiting(eventAt), []),
      ]);
      for (const a of f) findingAt.set(a, now);
      for (const a of e) eventAt.set(a, now);
    };

    for (;;) {
      const now = Date.now();
      if (now - lastSample >= 1000 && !exited) {
        lastSample = now;
        const keepMemory =
          now - t0 >= options.warmupSeconds * 1000 && now - lastMemory >= options.memoryEveryMs;
        if (keepMemory) lastMemory = now;
        for (const p of processes) {
          const s = p.pid === undefined ? undefined : sampleProcess(p.pid);
          if (!s) continue;
          last.set(p.name, { ...s, at: now });
          allRss.set(p.name, [...(allRss.get(p.name) ?? []), s.rssBytes]);
          if (keepMemory)
            rss.set(p.name, [...(rss.get(p.name) ?? []), { t: (now - t0) / 1000, value: s.rssBytes }]);
        }
      }
      if (now - lastCount >= 5000 && !exited) {
        lastCount = now;
        progress.push({ t: (now - t0) / 1000, offered, indexed: await count(store, events) });
      }
      await poll();
      if (exited && graceUntil === Infinity) {
        loadEndedAt = Date.now();
        indexedAtLoadEnd = await count(store, events);
        backlogAtLoadEnd = await stageBacklog(pipeline, log);
        progress.push({
          t: (Date.now() - t0) / 1000,
          offered: done?.offered ?? offered,
          indexed: indexedAtLoadEnd,
        });
        graceUntil = Date.now() + options.graceSeconds * 1000;
      }
      const allSeen = sentAt.size > 0 && findingAt.size === sentAt.size && eventAt.size === sentAt.size;
      if (exited && (allSeen || Date.now() >= graceUntil)) break;
      await sleep(200);
    }
    if (!done) throw new Error('the load process ended without its summary');

    const wall = (p: string) => ((last.get(p)?.at ?? t0) - t0) / 1000;
    const usage: ProcessUsage[] = processes
      .filter((p) => first.has(p.name) && last.has(p.name))
      .map((p) => {
        const a = first.get(p.name) as ProcessSample;
        const b = last.get(p.name) as ProcessSample;
        const values = allRss.get(p.name) ?? [];
        return {
          name: p.name,
          cores: (b.cpuSeconds - a.cpuSeconds) / Math.max(1, wall(p.name)),
          rssMeanBytes: values.reduce((s, v) => s + v, 0) / Math.max(1, values.length),
          rssMaxBytes: Math.max(0, ...values),
          rss: rss.get(p.name) ?? [],
        };
      });
    const latency = (seen: Map<string, number>) =>
      [...sentAt].map(([a, at]) => {
        const t = seen.get(a);
        return t === undefined ? Infinity : t - at;
      });
    const written = await markerWriteTimes(pipeline, log);
    const result: PhaseResult = {
      options,
      namespace: pipeline.namespace,
      offered: done.offered,
      heldBack: done.heldBack,
      heldBackHttp: done.heldBackHttp,
      notMade: done.notMade,
      httpFailures: done.httpFailures,
      loadSeconds: done.seconds,
      progress,
      indexedAtLoadEnd,
      backlogAtLoadEnd,
      indexedAfterGrace: await count(store, events),
      afterGraceSeconds: (Date.now() - loadEndedAt) / 1000,
      deadLetters: await count(store, deadIndex),
      findings: await count(store, findingsIndex),
      findingLatency: latency(findingAt),
      eventLatency: latency(eventAt),
      markers: [...sentAt].map(([account, at]) => ({
        account,
        sentAt: at,
        eventWrittenAt: written.event.get(account),
        findingWrittenAt: written.finding.get(account),
        eventAt: eventAt.get(account),
        findingAt: findingAt.get(account),
      })),
      usage,
      stageExits: pipeline.exits.map((e) => ({
        stage: e.stage,
        seconds: Math.round((e.at - t0) / 1000),
        code: e.code,
        signal: e.signal,
      })),
    };
    await pipeline.stop();
    if (options.keep) result.pipeline = pipeline;
    else await pipeline.remove();
    return result;
  } catch (err) {
    await pipeline.stop();
    await pipeline.remove();
    throw err;
  } finally {
    await store.close();
  }
}
