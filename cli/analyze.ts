// `rmwatch analyze`: the pipeline's normaliser, stitcher and rules over exported files, offline and
// deterministic (DESIGN.md §8), for auditors examining logs a vendor handed over. Events are stitched in
// time order whatever order the files came in, and the findings printed are each finding's final state.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { formatOfFile, parseApprovalsFile } from '../collectors/ledger/approvals-input.ts';
import { parseRegistryYaml } from '../collectors/ledger/registry-yaml.ts';
import type { Approval } from '../model/approval.ts';
import type { CanonicalEvent } from '../model/event.ts';
import type { Finding } from '../model/finding.ts';
import type { Reconciliation } from '../model/reconciliation.ts';
import type { RegistryRecord } from '../model/registry.ts';
import type { Session } from '../model/session.ts';
import { Correlator, type Output } from '../processors/correlate/engine.ts';
import { defaultCorrelateSettings, type CorrelateSettings } from '../processors/correlate/settings.ts';
import { readRecords } from '../processors/normalize/files.ts';
import { Normalizer } from '../processors/normalize/normalize.ts';

export interface AnalyzeOptions {
  approvals?: string;
  registry?: string;
  tz: string;
  year?: number;
  settings?: CorrelateSettings;
}

export interface Analysis {
  events: number;
  deadLetters: number;
  /** Final state of each finding that still holds, in time order. */
  findings: Finding[];
  sessions: Session[];
  reconciliations: Reconciliation[];
  /** Problems with the approvals or registry files: reported, not fatal. */
  problems: string[];
}

/** Thrown when an input file cannot be used at all. */
export class AnalyzeInputError extends Error {}

export function loadRegistry(path: string): RegistryRecord[] {
  const doc = parseRegistryYaml(readFileSync(path, 'utf8'));
  if (doc.errors.length > 0)
    throw new AnalyzeInputError(`${path}: ${doc.errors.map((e) => `${e.path}: ${e.reason}`).join('; ')}`);
  return doc.records;
}

export function loadApprovals(
  path: string,
  tz: string,
  registry: readonly RegistryRecord[],
): { approvals: Approval[]; problems: string[] } {
  const bytes = readFileSync(path);
  // A fixed stamp: the same files must give the same output.
  const result = parseApprovalsFile(bytes, formatOfFile(path, bytes), {
    timezone: tz,
    registry,
    now: new Date(0),
  });
  return {
    approvals: result.approvals,
    problems: result.errors.map((e) => `${path}: row ${e.row}: ${e.reason}`),
  };
}

export function analyzeFiles(
  files: readonly string[],
  options: AnalyzeOptions,
  deadLetters?: Writable,
): Analysis {
  const registry = options.registry ? loadRegistry(options.registry) : [];
  const { approvals, problems } = options.approvals
    ? loadApprovals(options.approvals, options.tz, registry)
    : { approvals: [], problems: [] };

  const normalizer = new Normalizer();
  const events: CanonicalEvent[] = [];
  let letters = 0;
  for (const file of files)
    for (const record of readRecords(file, { format: 'auto', timezone: options.tz, year: options.year })) {
      const result = normalizer.normalize(record);
      if (result.ok) events.push(...result.events);
      else {
        letters++;
        deadLetters?.write(
          `${JSON.stringify({ stage: 'analyze', source: file, error: result.error, raw: record.bytes.toString('base64'), log: { file: record.file } })}\n`,
        );
      }
    }
  events.sort((a, b) =>
    a['@timestamp'] < b['@timestamp']
      ? -1
      : a['@timestamp'] > b['@timestamp']
        ? 1
        : a.event.id < b.event.id
          ? -1
          : a.event.id > b.event.id
            ? 1
            : 0,
  );
  // Every record the analysis writes is stamped with the newest event's time, not the wall clock.
  const stamp = events[events.length - 1]?.['@timestamp'] ?? new Date(0).toISOString();
  const correlator = new Correlator({
    settings: options.settings ?? defaultCorrelateSettings(),
    registry,
    approvals,
    clock: () => stamp,
  });
  const findings = new Map<string, Finding>();
  const sessions = new Map<string, Session>();
  const reconciliations = new Map<string, Reconciliation>();
  const keep = (out: Output) => {
    for (const f of out.findings) findings.set(f.id, f);
    for (const s of out.sessions) sessions.set(s.id, s);
    for (const r of out.reconciliations) reconciliations.set(r.id, r);
  };
  for (const event of events) keep(correlator.ingest(event).output);
  keep(correlator.finish());

  const byTime =
    <T>(key: (x: T) => string) =>
    (a: T, b: T) =>
      key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
  return {
    events: events.length,
    deadLetters: letters,
    findings: [...findings.values()]
      .filter((f) => f.status === 'active')
      .sort(byTime((f) => `${f['@timestamp']} ${f.rule} ${f.id}`)),
    sessions: [...sessions.values()]
      .filter((s) => s.status !== 'merged')
      .sort(byTime((s) => `${s.start} ${s.id}`)),
    reconciliations: [...reconciliations.values()].sort(byTime((r) => r.id)),
    problems,
  };
}

/** The command: findings on stdout (JSON lines), sessions and reconciliations to files when asked. */
export function runAnalyze(
  files: readonly string[],
  options: AnalyzeOptions & { sessions?: string; reconciliations?: string },
  out: Writable,
  err: Writable,
): Analysis {
  const analysis = analyzeFiles(files, options, err);
  for (const p of analysis.problems) err.write(`${p}\n`);
  for (const f of analysis.findings) out.write(`${JSON.stringify(f)}\n`);
  const lines = (xs: readonly unknown[]) => xs.map((x) => `${JSON.stringify(x)}\n`).join('');
  if (options.sessions) writeFileSync(options.sessions, lines(analysis.sessions));
  if (options.reconciliations) writeFileSync(options.reconciliations, lines(analysis.reconciliations));
  err.write(
    `rmwatch analyze: ${analysis.events} events, ${analysis.deadLetters} dead letters, ${analysis.sessions.length} sessions, ${analysis.findings.length} findings\n`,
  );
  return analysis;
}
