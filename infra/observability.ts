// Health and metrics of one stage process, for the supervisor and for Prometheus.
//   GET /healthz  200 `{ status: 'ok', stage }` while the stage's consumer or collector runs;
//                 503 `{ status: 'unavailable', stage, reason }` while it starts, stops or has failed.
//   GET /metrics  Prometheus text format 0.0.4: the stage's counters (`rmwatch_<stage>_<name>_total`), whether
//                 it is healthy, and the process's memory, CPU, heap and event-loop lag.
// Config: `observability.{host, port}` (port `null`: no server; env `RMWATCH_METRICS_PORT`).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { z } from 'zod';
import type { Logger } from './logger.ts';
import type { Counters } from './metrics.ts';

export const ObservabilitySettings = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    /** `null`: a stage run alone serves nothing; the supervisor gives each stage a port of its own. */
    port: z.number().int().min(0).max(65535).nullable().default(null),
  })
  .strict();
export type ObservabilitySettings = z.infer<typeof ObservabilitySettings>;

export type StageHealth = { healthy: true } | { healthy: false; reason: string };

/** What the process costs, sampled when metrics are scraped. */
export interface ProcessSample {
  residentMemoryBytes: number;
  cpuSeconds: number;
  heapUsedBytes: number;
  /** Mean and 99th percentile of the event-loop delay since the previous scrape. */
  eventLoopLagSeconds: number;
  eventLoopLagP99Seconds: number;
  startTimeSeconds: number;
}

interface Metric {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  value: number;
  labels?: Record<string, string>;
}

function formatMetric(m: Metric): string {
  const labels = m.labels
    ? `{${Object.entries(m.labels)
        .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`)
        .join(',')}}`
    : '';
  return `# HELP ${m.name} ${m.help}\n# TYPE ${m.name} ${m.type}\n${m.name}${labels} ${formatValue(m.value)}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The process metrics under the names Prometheus' own Node.js client uses, so existing dashboards fit. */
export function formatProcessMetrics(sample: ProcessSample): string {
  return [
    {
      name: 'process_resident_memory_bytes',
      type: 'gauge',
      help: 'Resident memory size in bytes.',
      value: sample.residentMemoryBytes,
    },
    {
      name: 'process_cpu_seconds_total',
      type: 'counter',
      help: 'Total user and system CPU time spent in seconds.',
      value: sample.cpuSeconds,
    },
    {
      name: 'process_start_time_seconds',
      type: 'gauge',
      help: 'Start time of the process since the Unix epoch in seconds.',
      value: sample.startTimeSeconds,
    },
    {
      name: 'nodejs_heap_used_bytes',
      type: 'gauge',
      help: 'V8 heap in use, in bytes.',
      value: sample.heapUsedBytes,
    },
    {
      name: 'nodejs_eventloop_lag_seconds',
      type: 'gauge',
      help: 'Mean event-loop delay since the previous scrape, in seconds.',
      value: sample.eventLoopLagSeconds,
    },
    {
      name: 'nodejs_eventloop_lag_p99_seconds',
      type: 'gauge',
      help: '99th percentile of the event-loop delay since the previous scrape, in seconds.',
      value: sample.eventLoopLagP99Seconds,
    },
  ]
    .map((m) => formatMetric(m as Metric))
    .join('\n');
}

/** The whole `/metrics` answer: stage health, the stage's counters, the process. Ends with a newline. */
export function formatStageMetrics(
  stage: string,
  health: StageHealth,
  counters: readonly Counters[],
  sample: ProcessSample,
): string {
  const parts = [
    formatMetric({
      name: 'rmwatch_stage_healthy',
      type: 'gauge',
      help: '1 while the stage consumer or collector runs, else 0.',
      value: health.healthy ? 1 : 0,
      labels: { stage },
    }),
    ...counters.map((c) => c.toPrometheus()).filter((text) => text !== ''),
    formatProcessMetrics(sample),
  ];
  return `${parts.join('\n')}\n`;
}

/** Samples this process; the event-loop histogram restarts after every sample. */
export function processSampler(): { sample(): ProcessSample; stop(): void } {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const startTimeSeconds = Math.round(Date.now() / 1000 - process.uptime());
  return {
    sample() {
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      // Before the first delay was recorded the histogram reports NaN; no delay measured is no lag.
      const mean = Number.isFinite(loop.mean) ? loop.mean / 1e9 : 0;
      const p99 = loop.count > 0 ? loop.percentile(99) / 1e9 : 0;
      loop.reset();
      return {
        residentMemoryBytes: memory.rss,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        heapUsedBytes: memory.heapUsed,
        eventLoopLagSeconds: mean,
        eventLoopLagP99Seconds: p99,
        startTimeSeconds,
      };
    },
    stop: () => loop.disable(),
  };
}

export interface StageObservability {
  /** `http://<host>:<port>`. */
  url: string;
  /** Healthy from now on (the stage's consumer or collector runs). */
  running(counters: readonly Counters[]): void;
  /** Unhealthy from now on, with the reason `/healthz` gives. */
  unavailable(reason: string): void;
  close(): Promise<void>;
}

/** Serves `/healthz` and `/metrics` of one stage; unhealthy ("starting") until `running` is called. */
export async function startObservability(
  stage: string,
  settings: { host: string; port: number },
  log: Logger,
): Promise<StageObservability> {
  let health: StageHealth = { healthy: false, reason: 'starting' };
  let counters: readonly Counters[] = [];
  const sampler = processSampler();

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const body = health.healthy
        ? { status: 'ok', stage }
        : { status: 'unavailable', stage, reason: health.reason };
      response
        .writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json; charset=utf-8' })
        .end(JSON.stringify(body));
      return;
    }
    if (path === '/metrics') {
      response
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(formatStageMetrics(stage, health, counters, sampler.sample()));
      return;
    }
    response
      .writeHead(404, { 'content-type': 'application/json; charset=utf-8' })
      .end('{"error":"not found"}');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url }, 'health and metrics listening');

  return {
    url,
    running(list) {
      counters = list;
      health = { healthy: true };
    },
    unavailable(reason) {
      health = { healthy: false, reason };
    },
    async close() {
      sampler.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
