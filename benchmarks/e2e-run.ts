// `npm run bench:e2e`: the whole pipeline under sustained load on this machine, as deployed (every stage its
// own process, Kafka and Elasticsearch from the embedded stack or the configured ones). Writes the `e2e`
// section of RESULTS.md.
//   RMWATCH_BENCH_E2E_SECONDS   sustained run (default 300)      RMWATCH_BENCH_E2E_RATE  offered events/s (20000)
//   RMWATCH_BENCH_SOAK_SECONDS  soak (default 600)               RMWATCH_BENCH_SOAK_RATE soak events/s (default:
//                                                                 70% of what the sustained run made searchable)
//   RMWATCH_BENCH_SOAK_WARMUP   seconds of soak load before memory is watched (default: how long the
//                               correlator holds a closed session, so its state has reached its steady size)
//   RMWATCH_BENCH_E2E_GRACE     seconds markers may take after the load ends (30)
//   RMWATCH_BENCH_STAGE_FLAGS   node flags per stage, e.g. `correlate=--cpu-prof --cpu-prof-dir=/tmp/prof`
// The stack's own RMWATCH_* port and folder variables put it beside another stack (e.g. one tests use).
import { loadavg } from 'node:os';
import { loadConfig } from '../infra/config.ts';
import { createLogger } from '../infra/logger.ts';
import { stackDown, stackUp } from '../infra/stack/stack.ts';
import { rawBulkBound, type BulkBound } from './e2e-bulk.ts';
import { runPhase } from './e2e-phase.ts';
import { stageFlags } from './e2e-pipeline.ts';
import { e2eSection, steadyRate } from './e2e-report.ts';
import { machine, writeSection } from './results.ts';

const number = (name: string, fallback: number, zero = false): number => {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !zero)) {
    console.error(`${name}=${JSON.stringify(text)}: expected a ${zero ? 'non-negative' : 'positive'} number`);
    process.exit(2);
  }
  return value;
};

const sustainedSeconds = number('RMWATCH_BENCH_E2E_SECONDS', 300);
const soakSeconds = number('RMWATCH_BENCH_SOAK_SECONDS', 600);
const rate = number('RMWATCH_BENCH_E2E_RATE', 20_000);
const graceSeconds = number('RMWATCH_BENCH_E2E_GRACE', 30);
try {
  // Read again where the stages start; a typo is refused here, before the stack starts.
  stageFlags(process.env.RMWATCH_BENCH_STAGE_FLAGS);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

const log = createLogger('warn', 'bench-e2e');
const config = loadConfig({ env: { ...process.env, RMWATCH_LOG_LEVEL: 'warn' } });
// A closed session is let go once the watermark (the newest event less the lateness) has passed its end by the
// lateness and the closing grace, at the next sweep: until then the correlator's memory grows by design.
const { latenessSeconds, closingGraceSeconds, sweepSeconds } = config.correlate;
const soakWarmupSeconds = number(
  'RMWATCH_BENCH_SOAK_WARMUP',
  2 * latenessSeconds + closingGraceSeconds + sweepSeconds,
  true,
);
const up = await stackUp(config, log);
try {
  // 2 million accounts: at 20,000 events/s (1,800 sessions/s) one comes round after 18 minutes.
  const common = { graceSeconds, markerEveryMs: 1000, pool: 2_000_000 };
  console.log(`sustained: ${rate} events/s offered for ${sustainedSeconds} s`);
  const sustained = await runPhase(config, log, {
    ...common,
    label: 'sustained',
    rate,
    seconds: sustainedSeconds,
    warmupSeconds: 0,
    memoryEveryMs: 5000,
    keep: true,
  });
  // Other work on the machine takes CPU from the pipeline: the load average says how much there was.
  const sustainedLoad = loadavg()[1] ?? 0;
  let bulk: BulkBound | undefined;
  try {
    bulk = await rawBulkBound(
      config,
      log,
      sustained.namespace,
      Math.min(100_000, sustained.indexedAfterGrace),
    );
  } finally {
    await sustained.pipeline?.remove();
  }
  // Topic deletion finishes in the background; a new namespace's topics are created more reliably after it.
  await new Promise((r) => setTimeout(r, 10_000));
  const kept = steadyRate(sustained.progress, 'indexed');
  const soakRate = number('RMWATCH_BENCH_SOAK_RATE', Math.max(100, Math.round((kept * 0.7) / 100) * 100));
  console.log(
    `searchable ${Math.round(kept)} events/s; soak: ${soakRate} events/s for ${soakWarmupSeconds} s of warm-up and ${soakSeconds} s`,
  );
  const soak = await runPhase(config, log, {
    ...common,
    label: 'soak',
    rate: soakRate,
    seconds: soakSeconds,
    warmupSeconds: soakWarmupSeconds,
    memoryEveryMs: 30_000,
    keep: false,
  });
  const command =
    sustainedSeconds === 300 && soakSeconds === 600
      ? 'npm run bench:e2e'
      : 'RMWATCH_BENCH_E2E_SECONDS=300 RMWATCH_BENCH_SOAK_SECONDS=600 npm run bench:e2e';
  const section = e2eSection({
    machine: machine(),
    stack: `load average (5 min) at the end of the sustained run ${sustainedLoad.toFixed(2)}, of the soak ${(loadavg()[1] ?? 0).toFixed(2)} (what the pipeline used is in the CPU table; the rest was other work on the machine); Kafka ${config.stack.kafkaVersion} and Elasticsearch (heap ${config.stack.elasticsearchHeap}) on the same machine (${config.kafka.brokers.join(',')}, ${config.elasticsearch.url})`,
    sustained,
    ...(bulk ? { bulk } : {}),
    soak,
    command,
  });
  writeSection('e2e', section);
  console.log(section);
} finally {
  if (up.started.length > 0) await stackDown(config, log, up.started);
}
