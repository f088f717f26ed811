// The Elasticsearch sink against a raw `_bulk` of the same documents into the same Elasticsearch, side by
// side: the raw side sends pre-built NDJSON bodies over plain HTTP with the sink's bulk size and concurrency,
// the sink reads the same events from Kafka, validates them and writes them. Each run writes into fresh
// indices; runs alternate so that a slow spell of the shared two-core machine hits both sides.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { elasticsearchPid } from '../infra/stack/elasticsearch-node.ts';
import type { ResolvedConfig } from '../infra/config.ts';
import { createSearchStore } from '../infra/elasticsearch.ts';
import { monthlyIndexFor } from '../infra/index-templates.ts';
import { createMessageBus } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import { runSetup } from '../infra/setup.ts';
import { TOPICS, topicName } from '../infra/topics.ts';
import type { CanonicalEvent } from '../model/event.ts';
import { eventId } from '../model/ids.ts';

export interface SinkRun {
  side: 'raw _bulk' | 'sink';
  documents: number;
  seconds: number;
  perSecond: number;
  /** CPU time per document of this process (the sender, or the sink) and of Elasticsearch, in µs. */
  processMicros: number;
  elasticsearchMicros?: number;
}

/** Elasticsearch's CPU time so far in ms, when it is the embedded node on this machine. */
function elasticsearchCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

const ACTIONS = ['logon', 'rdp_logon', 'explicit_credentials', 'share_file_access', 'rdp_logoff'] as const;

/** Events as the normaliser writes them: a month of Windows logons and file access by 200 accounts. */
export function benchEvents(count: number): CanonicalEvent[] {
  const start = Date.parse('2026-10-01T00:00:00Z');
  return Array.from({ length: count }, (_, i) => {
    const account = `vnd_user${i % 200}`;
    const action = ACTIONS[i % ACTIONS.length] ?? 'logon';
    const e: CanonicalEvent = {
      '@timestamp': new Date(start + Math.floor((i / count) * 30 * 86400_000)).toISOString(),
      event: {
        id: eventId('APP01', `bench-${i}`),
        action,
        outcome: 'success',
        dataset: 'windows.security',
      },
      observer: {
        vendor: 'Microsoft',
        product: 'Windows',
        hostname: `APP${String(i % 20).padStart(2, '0')}`,
      },
      source: { ip: `10.20.0.${(i % 5) + 5}`, port: 49152 + (i % 1000) },
      host: { name: `APP${String(i % 20).padStart(2, '0')}.city.local` },
      user: { name: account, domain: 'CITY' },
      winlog: { logon: { id: `0x${(0x3a000 + (i % 4096)).toString(16)}`, type: 10 } },
      message: `アカウントが正常にログオンしました。 ${account}`,
    };
    if (action === 'share_file_access') {
      e.file = { path: `\\\\APP01\\share\\報告書_${i % 50}.xlsx` };
      e.share = { name: '\\\\*\\share' };
    }
    return e;
  });
}

interface Timed {
  seconds: number;
  processMs: number;
  elasticsearchMs?: number;
}

/** Wall time and CPU time (this process, and the embedded Elasticsearch) from `start()` to `stop()`. */
function stopwatch(pid: number | undefined) {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const es = elasticsearchCpuMs(pid);
  return (): Timed => {
    const used = process.cpuUsage(cpu);
    const esNow = elasticsearchCpuMs(pid);
    const timed: Timed = {
      seconds: (performance.now() - wall) / 1000,
      processMs: (used.user + used.system) / 1000,
    };
    if (es !== undefined && esNow !== undefined) timed.elasticsearchMs = esNow - es;
    return timed;
  };
}

async function rawBulk(
  config: ResolvedConfig,
  namespace: string,
  events: readonly CanonicalEvent[],
  perRequest: number,
  concurrency: number,
): Promise<Timed> {
  const scoped = { ...config, namespace };
  const bodies: string[] = [];
  for (let i = 0; i < events.length; i += perRequest) {
    bodies.push(
      events
        .slice(i, i + perRequest)
        .map(
          (e) =>
            `${JSON.stringify({ index: { _index: monthlyIndexFor(scoped, 'events', e['@timestamp']), _id: e.event.id } })}\n${JSON.stringify(e)}\n`,
        )
        .join(''),
    );
  }
  const stop = stopwatch(elasticsearchPid(config.stack));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const response = await fetch(`${config.elasticsearch.url}/_bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: bodies[i],
      });
      const answer = (await response.json()) as { errors: boolean };
      if (!response.ok || answer.errors) throw new Error(`raw _bulk failed: HTTP ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return stop();
}

async function sinkRun(
  config: ResolvedConfig,
  namespace: string,
  events: readonly CanonicalEvent[],
  log: Logger,
): Promise<Timed> {
  const scoped = { ...config, namespace };
  const bus = createMessageBus(scoped, log);
  try {
    // The events wait in Kafka before the clock starts: the sink is measured, not the producer.
    const topic = topicName(scoped, TOPICS.events);
    for (let i = 0; i < events.length; i += 10_000)
      await bus.produce(
        topic,
        events.slice(i, i + 10_000).map((e) => ({ key: e.user?.name ?? null, value: JSON.stringify(e) })),
      );
    // The sink runs in a process of its own, as deployed; joining the consumer group takes the client a few
    // seconds whatever the load, so the clock starts when it owns its partitions.
    const child = fork(
      fileURLToPath(new URL('./sink-process.ts', import.meta.url)),
      [namespace, String(events.length)],
      {
        // RMWATCH_BENCH_SINK_FLAGS: node flags for the sink process, e.g. `--cpu-prof` to see where its time goes.
        execArgv: [
          '--import',
          'tsx',
          ...(process.env.RMWATCH_BENCH_SINK_FLAGS?.split(' ').filter(Boolean) ?? []),
        ],
        env: { ...process.env, RMWATCH_LOG_LEVEL: 'warn' },
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const message = (key: 'ready' | 'done') =>
      new Promise<SinkProcessMessage>((resolve, reject) => {
        const onMessage = (m: SinkProcessMessage) => {
          if (m[key]) {
            child.off('message', onMessage);
            resolve(m);
          }
        };
        child.on('message', onMessage);
        void exited.then((code) => reject(new Error(`the sink process ended (${code}) before ${key}`)));
      });
    const ready = message('ready');
    const done = message('done');
    await ready;
    const stop = stopwatch(elasticsearchPid(config.stack));
    const { cpuMs = 0 } = await done;
    const timed = { ...stop(), processMs: cpuMs };
    await exited;
    return timed;
  } finally {
    await bus.deleteTopics([topicName(scoped, TOPICS.events)]).catch(() => undefined);
    await bus.close();
  }
}

interface SinkProcessMessage {
  ready?: boolean;
  done?: boolean;
  cpuMs?: number;
}

export async function benchIndexSink(
  config: ResolvedConfig,
  log: Logger,
  options: { documents: number; rounds: number },
): Promise<SinkRun[]> {
  const events = benchEvents(options.documents);
  const store = createSearchStore(config, log);
  const runs: SinkRun[] = [];
  const perRequest = config.index.batch.maxDocuments;
  const concurrency = config.index.bulkConcurrency;
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const side of ['raw _bulk', 'sink'] as const) {
        const namespace = `bench-sink-${randomBytes(3).toString('hex')}.`;
        const scoped = { ...config, namespace };
        // Fresh indices from the same templates for both sides.
        const bus = createMessageBus(scoped, log);
        const scopedStore = createSearchStore(scoped, log);
        await runSetup(scoped, bus, scopedStore);
        await Promise.all([bus.close(), scopedStore.close()]);
        const timed =
          side === 'sink'
            ? await sinkRun(config, namespace, events, log)
            : await rawBulk(config, namespace, events, perRequest, concurrency);
        const perDocument = (ms: number) => Math.round((ms * 10_000) / events.length) / 10;
        const run: SinkRun = {
          side,
          documents: events.length,
          seconds: timed.seconds,
          perSecond: Math.round(events.length / timed.seconds),
          processMicros: perDocument(timed.processMs),
        };
        if (timed.elasticsearchMs !== undefined) run.elasticsearchMicros = perDocument(timed.elasticsearchMs);
        runs.push(run);
        await store.deleteIndices(`${namespace}*`);
        await store.deleteIndexTemplates(`${namespace}*`);
        const cleanup = createMessageBus(scoped, log);
        await cleanup.deleteTopics(
          Object.values(TOPICS)
            .map((t) => topicName(scoped, t))
            .filter((t) => t !== topicName(scoped, TOPICS.events)),
        );
        await cleanup.close();
      }
    }
  } finally {
    await store.close();
  }
  return runs;
}
