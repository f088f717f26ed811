// What Prometheus reads from a stage: its counters, whether it is healthy, and what the process costs, in the
// text exposition format (one `# TYPE` per metric, `name{labels} value` samples, a final newline).
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { nextBackoff, stagesFor } from '../../cli/pipeline.ts';
import { loadConfig } from '../../infra/config.ts';
import { Counters } from '../../infra/metrics.ts';
import {
  formatProcessMetrics,
  formatStageMetrics,
  processSampler,
  type ProcessSample,
} from '../../infra/observability.ts';

const SAMPLE: ProcessSample = {
  residentMemoryBytes: 123_456_789,
  cpuSeconds: 1.25,
  heapUsedBytes: 45_678_901,
  eventLoopLagSeconds: 0.0015,
  eventLoopLagP99Seconds: 0.012,
  startTimeSeconds: 1_795_000_000,
};

/** Samples as name (with labels) → value; every sample line must be well-formed. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    expect(match, `malformed sample line: ${line}`).not.toBeNull();
    const [, name = '', value = ''] = match ?? [];
    out.set(name, Number(value));
  }
  return out;
}

/** Metric names declared by `# TYPE` lines, with their type. */
function types(text: string): Map<string, string> {
  return new Map(
    [...text.matchAll(/^# TYPE (\S+) (counter|gauge)$/gm)].map(
      ([, name = '', type = '']) => [name, type] as const,
    ),
  );
}

describe('stage metrics in Prometheus text format', () => {
  it('each counter of the stage is a rmwatch_<stage>_<name>_total counter with its value', () => {
    const counters = new Counters('normalize');
    counters.inc('records', 3);
    counters.inc('dead_letters');
    const text = formatStageMetrics('normalize', { healthy: true }, [counters], SAMPLE);
    expect(samples(text).get('rmwatch_normalize_records_total')).toBe(3);
    expect(samples(text).get('rmwatch_normalize_dead_letters_total')).toBe(1);
    expect(types(text).get('rmwatch_normalize_records_total')).toBe('counter');
  });

  it('a declared counter is there at 0 before its first count, so a rate on it starts from a value', () => {
    const counters = new Counters('normalize', ['records', 'dead_letters']);
    counters.inc('records', 2);
    const text = formatStageMetrics('normalize', { healthy: true }, [counters], SAMPLE);
    expect(samples(text).get('rmwatch_normalize_dead_letters_total')).toBe(0);
    expect(samples(text).get('rmwatch_normalize_records_total')).toBe(2);
  });

  it('counter names the format does not allow are made safe', () => {
    const counters = new Counters('audit-api');
    counters.inc('responses_2xx');
    counters.inc('ignored_no-account');
    const names = [...samples(formatStageMetrics('audit-api', { healthy: true }, [counters], SAMPLE)).keys()];
    expect(names).toContain('rmwatch_audit_api_responses_2xx_total');
    expect(names).toContain('rmwatch_audit_api_ignored_no_account_total');
  });

  it('says whether the stage is healthy, labelled with the stage', () => {
    const healthy = formatStageMetrics('syslog', { healthy: true }, [], SAMPLE);
    const starting = formatStageMetrics('syslog', { healthy: false, reason: 'starting' }, [], SAMPLE);
    expect(samples(healthy).get('rmwatch_stage_healthy{stage="syslog"}')).toBe(1);
    expect(samples(starting).get('rmwatch_stage_healthy{stage="syslog"}')).toBe(0);
    expect(types(healthy).get('rmwatch_stage_healthy')).toBe('gauge');
  });

  it('a stage with no counts yet still answers with its health and process metrics', () => {
    const text = formatStageMetrics('retention', { healthy: true }, [new Counters('retention')], SAMPLE);
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toMatch(/\n\n/);
    expect(samples(text).has('process_resident_memory_bytes')).toBe(true);
  });

  it('process metrics use the names of the Prometheus Node.js client, with the right types', () => {
    const text = formatProcessMetrics(SAMPLE);
    expect(Object.fromEntries(samples(text))).toEqual({
      process_resident_memory_bytes: 123_456_789,
      process_cpu_seconds_total: 1.25,
      process_start_time_seconds: 1_795_000_000,
      nodejs_heap_used_bytes: 45_678_901,
      nodejs_eventloop_lag_seconds: 0.0015,
      nodejs_eventloop_lag_p99_seconds: 0.012,
    });
    expect(types(text).get('process_cpu_seconds_total')).toBe('counter');
    expect(types(text).get('process_resident_memory_bytes')).toBe('gauge');
    // Every sample has exactly one HELP and one TYPE line before it.
    for (const name of samples(text).keys()) {
      expect(text.match(new RegExp(`^# HELP ${name} `, 'gm'))).toHaveLength(1);
      expect(text.match(new RegExp(`^# TYPE ${name} `, 'gm'))).toHaveLength(1);
    }
  });

  it('the sampler reads this process: memory and CPU are positive, lag is never negative or NaN', () => {
    const sampler = processSampler();
    try {
      const s = sampler.sample();
      expect(s.residentMemoryBytes).toBeGreaterThan(0);
      expect(s.heapUsedBytes).toBeGreaterThan(0);
      expect(s.cpuSeconds).toBeGreaterThan(0);
      expect(s.eventLoopLagSeconds).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(s.eventLoopLagP99Seconds)).toBe(false);
      expect(s.startTimeSeconds).toBeLessThanOrEqual(Date.now() / 1000);
    } finally {
      sampler.stop();
    }
  });
});

describe('what the supervisor of `rmwatch start` runs, and how it restarts', () => {
  const config = (overrides: Record<string, unknown> = {}) =>
    loadConfig({ env: {}, cwd: tmpdir(), ...overrides });

  it('runs the syslog collector and every processor; HTTP inputs only when configured', () => {
    expect(stagesFor(config())).toEqual([
      'syslog',
      'normalize',
      'evidence',
      'correlate',
      'index',
      'retention',
      'alerts',
      'health',
    ]);
    const withHttp = config();
    withHttp.ledger = { ...withHttp.ledger, http: { host: '127.0.0.1', port: 8089 } };
    withHttp.audit = { ...withHttp.audit, http: { host: '127.0.0.1', port: 8090 } };
    withHttp.collectors.syslog = { ...withHttp.collectors.syslog, udp: null, tcp: null, tls: null };
    expect(stagesFor(withHttp).slice(0, 2)).toEqual(['ledger', 'audit-api']);
    expect(stagesFor(withHttp)).not.toContain('syslog');
  });

  it('waits 1 s before the first restart, doubling up to 30 s', () => {
    const delays: number[] = [];
    let delay: number | undefined;
    for (let i = 0; i < 8; i++) delays.push((delay = nextBackoff(delay)));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('RMWATCH_METRICS_PORT sets the port of the health and metrics server; none by default', () => {
    expect(config().observability).toEqual({ host: '127.0.0.1', port: null });
    expect(config({ env: { RMWATCH_METRICS_PORT: '9500' } }).observability.port).toBe(9500);
  });
});
