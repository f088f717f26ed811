// The consumer-lag sampler (`rmwatch run health`).
//   input:  Kafka's committed offsets of every rmwatch consumer group (`<namespace>rmwatch.*`) and the ends
//           of the topics they read
//   output: Elasticsearch `rm-pipeline-YYYY.MM` (alias `rm-pipeline`), one document per group, topic and
//           sample, for the pipeline-health dashboard
//   config: `health.lagIntervalSeconds`
// A stage that falls behind is only visible from outside it: a stalled consumer cannot report its own lag.
// Samples are ids of group, topic and time, so a sample written twice is one document.
import type { ResolvedConfig } from '../../infra/config.ts';
import type { IndexedDocument, SearchStore } from '../../infra/elasticsearch.ts';
import { monthlyIndexFor } from '../../infra/index-templates.ts';
import type { GroupLag, MessageBus } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';

export interface LagSampler {
  counters: Counters;
  /** Takes and writes one sample now (tests; the timer calls it too). */
  sample(now?: Date): Promise<GroupLag[]>;
  stop(): Promise<void>;
}

export function lagDocuments(
  config: Pick<ResolvedConfig, 'namespace'>,
  lags: readonly GroupLag[],
  at: Date,
): IndexedDocument[] {
  const timestamp = at.toISOString();
  return lags.map((l) => ({
    index: monthlyIndexFor(config, 'pipeline', timestamp),
    id: `${l.group}|${l.topic}|${timestamp}`,
    document: { '@timestamp': timestamp, ...l },
  }));
}

export function startLagSampler(
  config: Pick<ResolvedConfig, 'namespace' | 'health'>,
  bus: MessageBus,
  store: SearchStore,
  log: Logger,
): LagSampler {
  const counters = new Counters('health', ['samples', 'failed_samples']);
  const sample = async (now = new Date()) => {
    const lags = await bus.consumerLag(`${config.namespace}rmwatch.`);
    const result = await store.bulkIndex(lagDocuments(config, lags, now));
    counters.inc('samples', result.indexed);
    return lags;
  };
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = sample().catch((err: unknown) => {
      // A missed sample is a gap in a chart, not a reason to stop sampling.
      counters.inc('failed_samples');
      log.warn({ err }, 'consumer lag could not be sampled');
    });
  };
  tick();
  const timer = setInterval(tick, config.health.lagIntervalSeconds * 1000);
  log.info({ everySeconds: config.health.lagIntervalSeconds }, 'consumer lag sampler running');
  return {
    counters,
    sample,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
