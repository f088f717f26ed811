// The correlator's pure core under the end-to-end benchmark's traffic (./e2e-traffic.ts): short maintenance
// sessions (11 events in 10 s) coming and going at a steady rate, each account new, so that what the
// correlator holds is what a day of steady work leaves in memory — the sessions open now and those ended
// within its lateness — rather than a fixed set of open ones (./correlate.ts). The raw lines go through the
// normaliser first (outside the clock), then to the correlator in batches, as the stage hands them over.
import type { CanonicalEvent } from '../model/event.ts';
import type { RawFormat } from '../model/raw.ts';
import { Correlator } from '../processors/correlate/engine.ts';
import { defaultCorrelateSettings } from '../processors/correlate/settings.ts';
import { Normalizer } from '../processors/normalize/normalize.ts';
import { parseRegistryYaml } from '../collectors/ledger/registry-yaml.ts';
import { heap } from './correlate.ts';
import { BENCH_REGISTRY_YAML, EVENTS_PER_SESSION, sessionTraffic } from './e2e-traffic.ts';

export interface CorrelateTrafficRun {
  /** Events per second of event time the traffic has. */
  rate: number;
  events: number;
  batch: number;
  seconds: number;
  perSecond: number;
  /** Sessions in memory at the end, and what the correlator's heap grew by (after a full collection). */
  sessionsHeld: number;
  heapMiB: number;
  findings: number;
}

const T0 = Date.parse('2026-11-24T00:00:00Z');

/** The canonical events of `sessions` background sessions at `rate` events/s of event time, in arrival order. */
export function trafficEvents(sessions: number, rate: number): CanonicalEvent[] {
  const normalizer = new Normalizer();
  const events: CanonicalEvent[] = [];
  const gapMs = (1000 * EVENTS_PER_SESSION) / rate;
  const put = (text: string, format: RawFormat, at: number) => {
    const result = normalizer.normalize({
      bytes: Buffer.from(text, 'utf8'),
      meta: {
        received_at: new Date(at).toISOString(),
        peer: format === 'syslog' ? '10.20.0.1' : '10.20.0.9',
        transport: format === 'syslog' ? 'tcp' : 'http',
        charset: 'utf-8',
        format,
        timezone: 'Asia/Tokyo',
      },
    });
    if (!result.ok) throw new Error(`the benchmark's traffic did not normalise: ${result.error}`);
    events.push(...result.events);
  };
  for (let n = 0; n < sessions; n++) {
    // As the load sends it: a session's events all at once, as soon as its last one happened.
    const start = T0 + n * gapMs;
    const sent = start + 11_000;
    const t = sessionTraffic(n, start, sessions + 1);
    for (const line of t.syslog) put(line, 'syslog', sent);
    for (const xml of t.xml) put(xml, 'evtxml', sent);
    for (const json of t.ndjson) put(json, 'winlogbeat', sent);
  }
  return events;
}

export function benchCorrelateTraffic(
  events: readonly CanonicalEvent[],
  rate: number,
  batch: number,
): CorrelateTrafficRun {
  let clock = T0;
  const correlator = new Correlator({
    settings: defaultCorrelateSettings(),
    registry: parseRegistryYaml(BENCH_REGISTRY_YAML).records,
    clock: () => new Date(clock).toISOString(),
  });
  let findings = 0;
  const heapBefore = heap();
  const started = process.hrtime.bigint();
  for (let i = 0; i < events.length; i += batch) {
    const slice = events.slice(i, i + batch).map((event) => ({ event, shard: 0 }));
    clock = Date.parse(slice[slice.length - 1]?.event['@timestamp'] ?? '') || clock;
    findings += correlator.ingestBatch(slice).output.findings.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const held = heap() - heapBefore;
  return {
    rate,
    events: events.length,
    batch,
    seconds,
    perSecond: Math.round(events.length / seconds),
    sessionsHeld: correlator.stitcher.sessions.size,
    heapMiB: held / 2 ** 20,
    findings,
  };
}
