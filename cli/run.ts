// `rmwatch run <stage>`: one stage as its own process, for scale-out against an external Kafka, for benchmarks,
// and as the unit the supervisor of `rmwatch start` (cli/pipeline.ts) runs and restarts. It runs until
// SIGINT/SIGTERM, then stops cleanly. Its logs carry the stage as pino's `name`, so that the lines of every
// stage can be told apart where they are mixed; with `observability.port` (env `RMWATCH_METRICS_PORT`) it serves
// `/healthz` and `/metrics` (infra/observability.ts).
import { startSyslogCollector } from '../collectors/syslog/collector.ts';
import { startWindowsCollector } from '../collectors/windows/collector.ts';
import { startLedgerApi } from '../collectors/ledger/api.ts';
import type { ResolvedConfig } from '../infra/config.ts';
import { createMessageBus, type MessageBus } from '../infra/kafka.ts';
import { createLogger, type Logger } from '../infra/logger.ts';
import type { Counters } from '../infra/metrics.ts';
import { startObservability, type StageObservability } from '../infra/observability.ts';
import { untilStopped } from './signals.ts';
import { watchStop } from './stop-deadline.ts';
import { startNormalizeStage } from '../processors/normalize/stage.ts';
import { startCorrelateStage } from '../processors/correlate/stage.ts';
import { startIndexSink } from '../processors/index/sink.ts';
import { startRetention } from '../processors/index/retention.ts';
import { createSearchStore, type SearchStore } from '../infra/elasticsearch.ts';
import { startEvidenceStage } from '../processors/evidence/stage.ts';
import { startAuditApi } from '../processors/audit/api.ts';
import { startAlertStage } from '../alerts/stage.ts';
import { startLagSampler } from '../processors/health/lag.ts';

export const STAGES = [
  'syslog',
  'windows',
  'normalize',
  'correlate',
  'index',
  'retention',
  'ledger',
  'evidence',
  'audit-api',
  'alerts',
  'health',
] as const;
export type StageName = (typeof STAGES)[number];

/**
 * The stop's own deadline is under the 15 s after which `rmwatch start` (cli/pipeline.ts) sends SIGKILL, so
 * that a stage that cannot stop says why before it is killed.
 */
const STOP_DEADLINES = { stopMs: 12_000, lingerMs: 2_000 };

/** A started stage: what it counts, and how it stops. */
interface RunningStage {
  counters: Counters;
  stop(): Promise<void>;
}

/** What a stage needs besides its configuration; the store is made on first use (not every stage has one). */
interface StageDeps {
  bus: MessageBus;
  store(): SearchStore;
  log: Logger;
}

async function startComponent(stage: StageName, config: ResolvedConfig, d: StageDeps): Promise<RunningStage> {
  const { bus, log } = d;
  switch (stage) {
    case 'syslog': {
      const c = await startSyslogCollector(config, bus, log);
      return { counters: c.counters, stop: () => c.close() };
    }
    case 'windows': {
      const c = await startWindowsCollector(config, bus, log);
      return { counters: c.counters, stop: () => c.close() };
    }
    case 'normalize':
      return startNormalizeStage(config, bus, log);
    case 'correlate':
      return startCorrelateStage(config, bus, log);
    case 'index':
      return startIndexSink(config, bus, d.store(), log);
    case 'retention':
      return startRetention(config, d.store(), log);
    case 'evidence':
      return startEvidenceStage(config, bus, d.store(), log);
    case 'ledger': {
      const api = await startLedgerApi(config, bus, log);
      return { counters: api.counters, stop: () => api.close() };
    }
    case 'audit-api': {
      const api = await startAuditApi(config, d.store(), bus, log);
      return { counters: api.counters, stop: () => api.close() };
    }
    case 'health':
      return startLagSampler(config, bus, d.store(), log);
    case 'alerts':
      return startAlertStage(config, bus, log);
  }
}

export async function runStage(stage: StageName, config: ResolvedConfig, parentLog: Logger): Promise<void> {
  const log = createLogger(parentLog.level, stage);
  // Collectors fall back to their journal quickly; processors wait for Kafka with the client's patience.
  let observability: StageObservability | undefined;
  const bus = createMessageBus(config, log, {
    ...(stage === 'syslog' ? { produceRetries: 1 } : {}),
    onConsumerCrash(err) {
      log.fatal({ err }, 'a Kafka consumer crashed and will not restart; the stage exits to be restarted');
      observability?.unavailable(`Kafka consumer crashed: ${err.message}`);
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    },
  });
  let store: SearchStore | undefined;
  const deps: StageDeps = { bus, log, store: () => (store ??= createSearchStore(config, log)) };
  const releaseClients = () => Promise.all([bus.close(), store?.close()]).then(() => undefined);

  // Served before the stage starts, so that a supervisor sees "starting" rather than nothing.
  const { port, host } = config.observability;
  if (port !== null) {
    try {
      observability = await startObservability(stage, { host, port }, log);
    } catch (err) {
      await releaseClients();
      throw new Error(`cannot serve health and metrics on ${host}:${port}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  let running: RunningStage;
  try {
    running = await startComponent(stage, config, deps);
  } catch (err) {
    log.error({ err }, 'stage failed to start');
    observability?.unavailable(`failed to start: ${(err as Error).message}`);
    await Promise.all([releaseClients(), observability?.close()]).catch(() => undefined);
    // A client that did not close cleanly must not keep a failed stage alive: its supervisor restarts it.
    setTimeout(() => process.exit(1), 5000).unref();
    throw err;
  }
  observability?.running([running.counters]);
  const orphanWatch = watchSupervisor(log);
  console.log(`rmwatch ${stage} is running; Ctrl-C stops it.`);
  await untilStopped();
  clearInterval(orphanWatch);
  const stopping = watchStop(log, STOP_DEADLINES);
  observability?.unavailable('stopping');
  stopping.step(`the ${stage} stage`);
  await running.stop();
  stopping.step('the Kafka and Elasticsearch clients');
  await releaseClients();
  stopping.step('the health and metrics server');
  await observability?.close();
  stopping.done();
}

/**
 * A stage started by `rmwatch start` stops itself when its supervisor is gone (killed with SIGKILL, which it
 * cannot pass on): nobody would stop or restart it any more, and a second `rmwatch start` would find its ports
 * taken. The kernel hands orphans to another parent, which is how the loss shows.
 */
function watchSupervisor(log: Logger): NodeJS.Timeout | undefined {
  const supervisor = Number(process.env.RMWATCH_SUPERVISOR_PID);
  if (!Number.isInteger(supervisor) || supervisor <= 0) return undefined;
  const timer = setInterval(() => {
    if (process.ppid === supervisor) return;
    clearInterval(timer);
    log.warn({ supervisor }, 'the supervisor is gone; stopping');
    process.kill(process.pid, 'SIGTERM');
  }, 2000);
  timer.unref();
  return timer;
}
