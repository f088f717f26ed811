// `rmwatch run <stage>`: one stage as its own process, for scale-out against an external Kafka (and for
// benchmarks). It runs until SIGINT/SIGTERM, then stops cleanly.
import { startSyslogCollector } from '../collectors/syslog/collector.ts';
import { startWindowsCollector } from '../collectors/windows/collector.ts';
import { startLedgerApi } from '../collectors/ledger/api.ts';
import type { ResolvedConfig } from '../infra/config.ts';
import { createMessageBus } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import { untilStopped } from './signals.ts';
import { startNormalizeStage } from '../processors/normalize/stage.ts';
import { startCorrelateStage } from '../processors/correlate/stage.ts';
import { startIndexSink } from '../processors/index/sink.ts';
import { startRetention } from '../processors/index/retention.ts';
import { createSearchStore } from '../infra/elasticsearch.ts';
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

export async function runStage(stage: StageName, config: ResolvedConfig, log: Logger): Promise<void> {
  // Collectors fall back to their journal quickly; processors wait for Kafka with the client's patience.
  const bus = createMessageBus(config, log, stage === 'syslog' ? { produceRetries: 1 } : {});
  let stop: () => Promise<void>;
  switch (stage) {
    case 'syslog': {
      const c = await startSyslogCollector(config, bus, log);
      stop = () => c.close();
      break;
    }
    case 'windows': {
      const c = await startWindowsCollector(config, bus, log);
      stop = () => c.close();
      break;
    }
    case 'normalize': {
      const s = await startNormalizeStage(config, bus, log);
      stop = () => s.stop();
      break;
    }
    case 'correlate': {
      const s = await startCorrelateStage(config, bus, log);
      stop = () => s.stop();
      break;
    }
    case 'index': {
      const store = createSearchStore(config, log);
      const s = await startIndexSink(config, bus, store, log);
      stop = async () => {
        await s.stop();
        await store.close();
      };
      break;
    }
    case 'retention': {
      const store = createSearchStore(config, log);
      const r = startRetention(config, store, log);
      stop = async () => {
        await r.stop();
        await store.close();
      };
      break;
    }
    case 'evidence': {
      const store = createSearchStore(config, log);
      const s = await startEvidenceStage(config, bus, store, log);
      stop = async () => {
        await s.stop();
        await store.close();
      };
      break;
    }
    case 'ledger': {
      // Its Kafka connections would keep the process alive after a failed start (e.g. setup not run).
      const api = await startLedgerApi(config, bus, log).catch(async (err: unknown) => {
        await bus.close();
        throw err;
      });
      stop = () => api.close();
      break;
    }
    case 'audit-api': {
      const store = createSearchStore(config, log);
      const api = await startAuditApi(config, store, bus, log).catch(async (err: unknown) => {
        await Promise.all([bus.close(), store.close()]);
        throw err;
      });
      stop = async () => {
        await api.close();
        await store.close();
      };
      break;
    }
    case 'health': {
      const store = createSearchStore(config, log);
      const sampler = startLagSampler(config, bus, store, log);
      stop = async () => {
        await sampler.stop();
        await store.close();
      };
      break;
    }
    case 'alerts': {
      const s = await startAlertStage(config, bus, log);
      stop = () => s.stop();
      break;
    }
  }
  console.log(`rmwatch ${stage} is running; Ctrl-C stops it.`);
  await untilStopped();
  await stop();
  await bus.close();
}
