// Runs scenario lines through the real normaliser and the correlator, in the order given (so tests can
// deliver events late and out of order), and gives the final state of findings, sessions and notices.
import type { Approval } from '../../model/approval.ts';
import { detectCharset } from '../../model/charset.ts';
import type { CanonicalEvent } from '../../model/event.ts';
import type { Finding } from '../../model/finding.ts';
import type { Notice } from '../../model/notice.ts';
import type { Reconciliation } from '../../model/reconciliation.ts';
import type { RegistryRecord } from '../../model/registry.ts';
import type { Session } from '../../model/session.ts';
import { Correlator, type Output } from '../../processors/correlate/engine.ts';
import { CorrelateSettings } from '../../processors/correlate/settings.ts';
import { Normalizer } from '../../processors/normalize/normalize.ts';
import type { RawLine } from './scenario.ts';

export function normalizeLines(lines: readonly RawLine[], year = 2026): CanonicalEvent[] {
  const normalizer = new Normalizer();
  return lines.flatMap((line, i) => {
    const bytes = Buffer.from(line.text);
    const result = normalizer.normalize({
      bytes,
      meta: {
        received_at: new Date(Date.UTC(year, 11, 31)).toISOString(),
        peer: line.device,
        transport: 'file',
        charset: detectCharset(bytes),
        format: line.format,
        timezone: 'Asia/Tokyo',
      },
      year,
      file: { path: 'scenario', line: i + 1 },
    });
    if (!result.ok)
      throw new Error(`scenario line ${i + 1} did not normalise: ${result.error}\n${line.text}`);
    return result.events;
  });
}

export interface Outcome {
  findings: Finding[];
  /** Every version of every finding written, in order: to check nothing floods. */
  written: Finding[];
  sessions: Session[];
  notices: Notice[];
  reconciliations: Reconciliation[];
  correlator: Correlator;
}

export interface RunOptions {
  registry?: RegistryRecord[];
  approvals?: Approval[];
  settings?: Partial<CorrelateSettings> & { rules?: Partial<CorrelateSettings['rules']> };
  /** Whether to treat the input as complete (analyze); default true. */
  finish?: boolean;
  /** Events per `ingestBatch` call, as the stage hands over a Kafka batch; default one `ingest` per event. */
  batch?: number;
}

export function correlate(lines: readonly RawLine[], options: RunOptions = {}): Outcome {
  const settings = CorrelateSettings.parse({ ...options.settings, rules: { ...options.settings?.rules } });
  const events = normalizeLines(lines);
  const stamp = '2026-12-31T00:00:00.000Z';
  const correlator = new Correlator({
    settings,
    registry: options.registry,
    approvals: options.approvals,
    clock: () => stamp,
  });
  const outcome: Outcome = {
    findings: [],
    written: [],
    sessions: [],
    notices: [],
    reconciliations: [],
    correlator,
  };
  const latest = new Map<string, Finding>();
  const sessions = new Map<string, Session>();
  const reconciliations = new Map<string, Reconciliation>();
  const keep = (out: Output) => {
    for (const f of out.findings) {
      latest.set(f.id, f);
      outcome.written.push(f);
    }
    for (const s of out.sessions) sessions.set(s.id, structuredClone(s));
    for (const r of out.reconciliations) reconciliations.set(r.id, r);
    outcome.notices.push(...out.notices);
  };
  if (options.batch === undefined) for (const e of events) keep(correlator.ingest(e).output);
  else
    for (let i = 0; i < events.length; i += options.batch)
      keep(correlator.ingestBatch(events.slice(i, i + options.batch).map((event) => ({ event }))).output);
  if (options.finish !== false) keep(correlator.finish());
  outcome.findings = [...latest.values()].filter((f) => f.status === 'active');
  outcome.sessions = [...sessions.values()].filter((s) => s.status !== 'merged');
  outcome.reconciliations = [...reconciliations.values()];
  return outcome;
}

/** The rules that fired, one entry per finding (`rule` or `rule:subject`), sorted. */
export function fired(o: Outcome): string[] {
  return o.findings.map((f) => (f.subject ? `${f.rule}:${f.subject}` : f.rule)).sort();
}
