// The lists as CSV, for spreadsheets: one header and one row function per list. Times show the Asia/Tokyo
// clock (columns named `…_jst`); JSON answers keep UTC. Several values in a cell are joined by `;`, as in
// the approvals CSV of DESIGN.md §8.
//   output: chunks of CSV text: the first holds the UTF-8 BOM and the header (csv.ts `toCsv`), each further
//           chunk the rows of one page, so an export of any size streams page by page
import type { AuditEntry } from './audit-log.ts';
import { csvRecord, toCsv, type CsvCell } from './csv.ts';
import type { EventLine } from './events.ts';
import type { ApprovalView, ExportPage, FindingView, SessionSummary } from './query.ts';
import { displayTime } from './times.ts';

export interface CsvView<T> {
  /** File name stem for Content-Disposition / default file names. */
  name: string;
  header: readonly string[];
  row(item: T): CsvCell[];
}

export const SESSION_CSV: CsvView<SessionSummary> = {
  name: 'sessions',
  header: [
    'id',
    'status',
    'start_jst',
    'end_jst',
    'duration_s',
    'vendor',
    'operator',
    'accounts',
    'vpn_user',
    'source_ip',
    'gateway',
    'jump_host',
    'targets',
    'approval_id',
    'layers',
    'coverage_gaps',
    'findings',
    'bytes_in',
    'bytes_out',
    'late',
    'merged_into',
  ],
  row: (s) => [
    s.id,
    s.status,
    displayTime(s.start),
    displayTime(s.end),
    s.duration_s,
    s.vendor,
    s.operator,
    s.accounts,
    s.vpn_user,
    s.source?.ip,
    s.gateway,
    s.jump_host,
    s.targets,
    s.approval_id,
    s.layers,
    s.coverage_gaps,
    [...new Set((s.findings ?? []).map((f) => f.rule))],
    s.bytes_in,
    s.bytes_out,
    s.late,
    s.merged_into,
  ],
};

export const FINDING_CSV: CsvView<FindingView> = {
  name: 'findings',
  header: [
    'id',
    'time_jst',
    'rule',
    'severity',
    'status',
    'disposition',
    'disposition_by',
    'disposition_at_jst',
    'disposition_note',
    'session_id',
    'vendor',
    'operator',
    'account',
    'host',
    'approval_id',
    'subject',
    'message',
    'message_en',
    'evidence',
  ],
  row: (f) => [
    f.id,
    displayTime(f['@timestamp']),
    f.rule,
    f.severity,
    f.status,
    f.disposition?.status ?? 'open',
    f.disposition?.by,
    displayTime(f.disposition?.at),
    f.disposition?.note,
    f.session_id,
    f.vendor,
    f.operator,
    f.account,
    f.host,
    f.approval_id,
    f.subject,
    f.message,
    f.message_en,
    f.evidence,
  ],
};

export const APPROVAL_CSV: CsvView<ApprovalView> = {
  name: 'approvals',
  header: [
    'id',
    'vendor',
    'status',
    'window_start_jst',
    'window_end_jst',
    'operators',
    'accounts',
    'targets',
    'purpose',
    'sources',
    'approved_by',
    'sessions',
    'reported',
  ],
  row: (a) => [
    a.id,
    a.vendor,
    a.status,
    displayTime(a.window?.start),
    displayTime(a.window?.end),
    (a.operators ?? []).map((o) => o.name),
    (a.operators ?? []).flatMap((o) => o.accounts ?? []),
    a.targets,
    a.purpose,
    a.sources,
    a.approved_by,
    a.session_count,
    a.report !== undefined,
  ],
};

export const AUDIT_LOG_CSV: CsvView<AuditEntry> = {
  name: 'audit-log',
  header: [
    'at_jst',
    'who',
    'role',
    'action',
    'target',
    'outcome',
    'status',
    'result_count',
    'client',
    'parameters',
  ],
  row: (e) => [
    displayTime(e.at),
    e.who,
    e.role,
    e.action,
    e.target,
    e.outcome,
    e.status,
    e.result_count,
    e.client,
    JSON.stringify(e.parameters),
  ],
};

export const TIMELINE_CSV: CsvView<EventLine> = {
  name: 'timeline',
  header: [
    'time_jst',
    'layer',
    'action',
    'outcome',
    'host',
    'account',
    'source_ip',
    'target',
    'detail',
    'event_id',
    'raw',
    'raw_received_jst',
    'raw_peer',
  ],
  row: (l) => [
    displayTime(l.at),
    l.layer,
    l.action,
    l.outcome,
    l.host,
    l.account,
    l.source_ip,
    l.target,
    l.detail,
    l.id,
    rawText(l),
    l.raw.available ? displayTime(l.raw.received_at) : '',
    l.raw.available ? l.raw.peer : '',
  ],
};

/** The raw line as a person can read it, or why there is none. */
export function rawText(line: EventLine): string {
  if (!line.raw.available) return `(unavailable: ${line.raw.reason})`;
  if (line.raw.text !== undefined) return line.raw.text;
  return `(base64) ${line.raw.base64 ?? ''}`;
}

/** The whole list as CSV chunks: BOM and header first (even for an empty list), then a chunk per page. */
export async function* csvChunks<T>(
  view: CsvView<T>,
  pages: AsyncIterable<ExportPage<T>>,
): AsyncGenerator<string> {
  let first = true;
  for await (const page of pages) {
    const rows = page.items.map(view.row);
    yield first ? toCsv(view.header, rows) : rows.map(csvRecord).join('');
    first = false;
  }
  if (first) yield toCsv(view.header, []);
}

/** A list that is already whole (a timeline) as one CSV text. */
export const csvOf = <T>(view: CsvView<T>, items: readonly T[]): string =>
  toCsv(view.header, items.map(view.row));
