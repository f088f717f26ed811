// The monthly usage report (様式第3号 usage ledger + 様式第4号 monthly summary), built from what the
// pipeline recorded. Pure: no clock, no store.
//   input:  `month` (`YYYY-MM`, an Asia/Tokyo calendar month), optional `vendor` (registry id or registered
//           name) and `system` (registry system id or name, or a server name), `asOf` (UTC ISO: the moment the
//           figures are taken at), and the sessions, findings, approvals and registry records to draw from
//           (more than the month is fine: the rules below pick)
//   output: one ledger row per session, sorted by start, and the summary figures
//   rules:
//   - a session belongs to the month its start falls in (Japan time) and is reported whole there, also when
//     it runs into the next month: the ledger lists each session once, and the rows add up to the summary
//   - merged sessions (duplicates absorbed into another) are left out; so are their findings
//   - an open session has no end; its minutes run up to `asOf`, its state is 継続中 / open
//   - minutes are whole minutes per session, a started minute counting as one (ceil of the elapsed time), so
//     a 20-second connection shows as 1 minute, not 0; totals are the sums of the rows' integers
//   - out-of-window minutes: the part of a session outside its approval's window (cut at the approval's
//     `revoked_at`), rounded up the same way; a session without an approval, or whose approval is not on
//     record, counts whole
//   - findings: the active findings of the report's sessions; withdrawn ones are no longer violations and
//     are left out; a finding without a disposition is open
//   - systems: the registry systems whose hosts include a session's targets (host names compared by their
//     first label, case-insensitively; addresses exactly); a target no system lists stands for itself
import { normalizeAccount } from '../../../model/ids.ts';
import { canonicalAddress } from '../../../model/network.ts';
import { isIP } from 'node:net';
import { RULE_IDS, type Finding, type RuleId } from '../../../model/finding.ts';
import type { Approval } from '../../../model/approval.ts';
import type { RegistryRecord } from '../../../model/registry.ts';
import type { Session } from '../../../model/session.ts';
import { hostKey } from '../../correlate/registry-view.ts';
import type { DispositionStatus } from './labels.ts';
import { tokyoDay } from '../../../model/tokyo-time.ts';
import { instant, monthPeriod, tokyoDateTime, type MonthPeriod } from './month.ts';

export interface MonthlyReportInput {
  month: string;
  vendor?: string;
  system?: string;
  asOf: string;
  sessions: Session[];
  findings: Finding[];
  approvals: Approval[];
  registry: RegistryRecord[];
}

export type SessionState = 'open' | 'closed' | 'failed';

/** One line of the usage ledger (様式第3号). Times are Japan time, `YYYY-MM-DD HH:mm`. */
export interface LedgerRow {
  session_id: string;
  date: string;
  /** Registry vendor id, when the session was attributed to one. */
  vendor_id?: string;
  /** Registered vendor name; the id when the registry does not know it; empty when unknown. */
  vendor: string;
  /** Registered operator name (or the name on the approval); empty when unknown. */
  operator: string;
  accounts: string[];
  /** From the approval; empty without one. */
  purpose: string;
  systems: string[];
  start: string;
  /** Empty while the session is open. */
  end: string;
  /** The same instants in UTC, for machines. */
  start_utc: string;
  end_utc?: string;
  /** `failed`: attempts only, nothing connected or logged on. */
  state: SessionState;
  minutes: number;
  out_of_window_minutes: number;
  /** 申請番号; empty = none. */
  approval_id: string;
  /** Active findings by rule, in rule order. */
  findings: { rule: RuleId; count: number }[];
  finding_count: number;
}

export type DispositionCounts = Record<DispositionStatus, number>;

export interface RuleSummary extends DispositionCounts {
  rule: RuleId;
  total: number;
}

export interface VendorSummary {
  vendor_id?: string;
  vendor: string;
  sessions: number;
  minutes: number;
  out_of_window_minutes: number;
  findings: number;
}

/** The monthly summary (様式第4号). */
export interface MonthlySummary {
  sessions: number;
  open_sessions: number;
  sessions_without_approval: number;
  minutes: number;
  out_of_window_minutes: number;
  findings: number;
  /** Rules with at least one finding, in rule order, with how each finding was dispositioned. */
  by_rule: RuleSummary[];
  /** Disposition totals over every rule. */
  dispositions: DispositionCounts;
  /** Vendors with at least one session, by name. */
  by_vendor: VendorSummary[];
}

export interface MonthlyReport {
  month: string;
  period: MonthPeriod;
  /** The filters as asked, and what they were resolved to (registered names) for the title block. */
  vendor?: { query: string; name: string };
  system?: { query: string; name: string };
  as_of: string;
  ledger: LedgerRow[];
  summary: MonthlySummary;
  /** Stored documents the loader could not read (left out of the figures), with the reason. */
  unreadable?: { index: string; id: string; reason: string }[];
}

type VendorRecord = Extract<RegistryRecord, { kind: 'vendor' }>;
type OperatorRecord = Extract<RegistryRecord, { kind: 'operator' }>;
type SystemRecord = Extract<RegistryRecord, { kind: 'system' }>;

/** Host names compare by their first label, case-insensitively; addresses as addresses. */
function serverKey(name: string): string {
  const trimmed = name.trim();
  return isIP(canonicalAddress(trimmed)) !== 0 ? canonicalAddress(trimmed).toLowerCase() : hostKey(trimmed);
}

const MINUTE_MS = 60_000;
const wholeMinutes = (ms: number) => Math.ceil(Math.max(0, ms) / MINUTE_MS);
const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function zeroDispositions(): DispositionCounts {
  return { open: 0, acknowledged: 0, false_positive: 0, resolved: 0 };
}

export function buildMonthlyReport(input: MonthlyReportInput): MonthlyReport {
  const period = monthPeriod(input.month);
  const asOfMs = instant(input.asOf, 'asOf');
  const [from, to] = [Date.parse(period.start), Date.parse(period.end)];

  const vendors = new Map<string, VendorRecord>();
  const operators = new Map<string, OperatorRecord>();
  const systems: SystemRecord[] = [];
  for (const r of input.registry) {
    if (r.kind === 'vendor') vendors.set(r.id, r);
    else if (r.kind === 'operator') operators.set(r.id, r);
    else if (r.kind === 'system') systems.push(r);
  }
  const systemsByHost = new Map<string, SystemRecord[]>();
  for (const s of systems)
    for (const host of s.hosts) {
      const key = serverKey(host);
      const list = systemsByHost.get(key) ?? [];
      if (!list.includes(s)) list.push(s);
      systemsByHost.set(key, list);
    }
  const approvals = new Map(input.approvals.map((a) => [a.id, a]));

  const vendorFilter = input.vendor?.trim() ? resolveVendor(input.vendor.trim(), vendors) : undefined;
  const systemFilter = input.system?.trim() ? resolveSystem(input.system.trim(), systems) : undefined;

  /** The systems a session touched: registered systems by host, and targets no system lists. */
  const systemsOf = (session: Session): { names: string[]; ids: Set<string>; unlisted: string[] } => {
    const names: string[] = [];
    const ids = new Set<string>();
    const unlisted: string[] = [];
    for (const target of session.targets) {
      const found = systemsByHost.get(serverKey(target));
      if (!found) {
        if (!unlisted.some((u) => serverKey(u) === serverKey(target))) unlisted.push(target);
        continue;
      }
      for (const s of found)
        if (!ids.has(s.id)) {
          ids.add(s.id);
          names.push(s.name);
        }
    }
    return { names: [...names, ...unlisted], ids, unlisted };
  };

  const chosen = input.sessions
    .filter((s) => s.status !== 'merged')
    .filter((s) => {
      const start = Date.parse(s.start);
      return start >= from && start < to;
    })
    .filter((s) => !vendorFilter || vendorFilter.ids.has(s.vendor ?? ''))
    .map((s) => ({ session: s, systems: systemsOf(s) }))
    .filter(({ systems: touched }) => {
      if (!systemFilter) return true;
      if ([...touched.ids].some((id) => systemFilter.ids.has(id))) return true;
      // No registered system by that name: the filter names a server.
      return (
        systemFilter.ids.size === 0 &&
        touched.unlisted.some((t) => serverKey(t) === serverKey(systemFilter.query))
      );
    })
    .sort(
      (a, b) => a.session.start.localeCompare(b.session.start) || a.session.id.localeCompare(b.session.id),
    );

  const sessionIds = new Set(chosen.map((c) => c.session.id));
  const findingsBySession = new Map<string, Finding[]>();
  for (const f of input.findings) {
    if (f.status === 'withdrawn' || !sessionIds.has(f.session_id)) continue;
    findingsBySession.set(f.session_id, [...(findingsBySession.get(f.session_id) ?? []), f]);
  }

  const ledger = chosen.map(({ session, systems: touched }): LedgerRow => {
    const startMs = Date.parse(session.start);
    // A closed session without an end (an older record) ended when it was last seen.
    const endIso = session.status === 'open' ? undefined : (session.end ?? session.last_seen);
    const endMs = endIso === undefined ? Math.max(startMs, asOfMs) : Date.parse(endIso);
    const approval = session.approval_id ? approvals.get(session.approval_id) : undefined;
    const findings = findingsBySession.get(session.id) ?? [];
    const vendor = session.vendor ? vendors.get(session.vendor) : undefined;
    const row: LedgerRow = {
      session_id: session.id,
      date: tokyoDay(startMs),
      vendor: vendor?.name ?? session.vendor ?? '',
      operator: operatorName(session, operators, approval),
      accounts: [...session.accounts],
      purpose: approval?.purpose ?? '',
      systems: touched.names,
      start: tokyoDateTime(startMs),
      end: endIso === undefined ? '' : tokyoDateTime(endMs),
      start_utc: new Date(startMs).toISOString(),
      state: endIso === undefined ? 'open' : session.established ? 'closed' : 'failed',
      minutes: wholeMinutes(endMs - startMs),
      out_of_window_minutes: wholeMinutes(endMs - startMs - coveredMs(startMs, endMs, approval)),
      approval_id: session.approval_id ?? '',
      findings: RULE_IDS.map((rule) => ({
        rule,
        count: findings.filter((f) => f.rule === rule).length,
      })).filter((r) => r.count > 0),
      finding_count: findings.length,
    };
    if (session.vendor) row.vendor_id = session.vendor;
    if (endIso !== undefined) row.end_utc = new Date(endMs).toISOString();
    return row;
  });

  const report: MonthlyReport = {
    month: input.month,
    period,
    as_of: new Date(asOfMs).toISOString(),
    ledger,
    summary: summarize(ledger, [...findingsBySession.values()].flat()),
  };
  if (vendorFilter) report.vendor = { query: input.vendor?.trim() ?? '', name: vendorFilter.name };
  if (systemFilter) report.system = { query: systemFilter.query, name: systemFilter.name };
  return report;
}

/** The time of [start, end) the approval's window covers; nothing without an approval. */
function coveredMs(startMs: number, endMs: number, approval: Approval | undefined): number {
  if (!approval) return 0;
  const windowStart = Date.parse(approval.window.start);
  let windowEnd = Date.parse(approval.window.end);
  if (approval.revoked_at) windowEnd = Math.min(windowEnd, Date.parse(approval.revoked_at));
  return Math.max(0, Math.min(endMs, windowEnd) - Math.max(startMs, windowStart));
}

function operatorName(
  session: Session,
  operators: ReadonlyMap<string, OperatorRecord>,
  approval: Approval | undefined,
): string {
  const registered = session.operator ? operators.get(session.operator) : undefined;
  if (registered) return registered.name;
  const accounts = new Set(session.accounts.map(normalizeAccount));
  const named = approval?.operators.find(
    (o) =>
      (session.operator && o.id === session.operator) ||
      o.accounts.some((a) => accounts.has(normalizeAccount(a))),
  );
  return named?.name ?? session.operator ?? '';
}

function resolveVendor(
  query: string,
  vendors: ReadonlyMap<string, VendorRecord>,
): { ids: Set<string>; name: string } {
  const matching = [...vendors.values()].filter((v) => v.id === query || sameText(v.name, query));
  if (matching.length === 0) return { ids: new Set([query]), name: query };
  return { ids: new Set(matching.map((v) => v.id)), name: matching.map((v) => v.name).join('・') };
}

function resolveSystem(
  query: string,
  systems: readonly SystemRecord[],
): { ids: Set<string>; name: string; query: string } {
  const matching = systems.filter((s) => s.id === query || sameText(s.name, query));
  return {
    ids: new Set(matching.map((s) => s.id)),
    name: matching.map((s) => s.name).join('・') || query,
    query,
  };
}

function summarize(ledger: readonly LedgerRow[], findings: readonly Finding[]): MonthlySummary {
  const byRule = new Map<RuleId, RuleSummary>();
  const dispositions = zeroDispositions();
  for (const f of findings) {
    const status = f.disposition?.status ?? 'open';
    const entry = byRule.get(f.rule) ?? { rule: f.rule, total: 0, ...zeroDispositions() };
    entry.total++;
    entry[status]++;
    dispositions[status]++;
    byRule.set(f.rule, entry);
  }
  const byVendor = new Map<string, VendorSummary>();
  for (const row of ledger) {
    const key = row.vendor_id ?? '';
    const entry = byVendor.get(key) ?? {
      ...(row.vendor_id ? { vendor_id: row.vendor_id } : {}),
      vendor: row.vendor,
      sessions: 0,
      minutes: 0,
      out_of_window_minutes: 0,
      findings: 0,
    };
    entry.sessions++;
    entry.minutes += row.minutes;
    entry.out_of_window_minutes += row.out_of_window_minutes;
    entry.findings += row.finding_count;
    byVendor.set(key, entry);
  }
  const sum = (pick: (r: LedgerRow) => number) => ledger.reduce((n, r) => n + pick(r), 0);
  return {
    sessions: ledger.length,
    open_sessions: ledger.filter((r) => r.state === 'open').length,
    sessions_without_approval: ledger.filter((r) => r.approval_id === '').length,
    minutes: sum((r) => r.minutes),
    out_of_window_minutes: sum((r) => r.out_of_window_minutes),
    findings: findings.length,
    by_rule: RULE_IDS.flatMap((rule) => byRule.get(rule) ?? []),
    dispositions,
    // Unknown vendors (no id) last.
    by_vendor: [...byVendor.values()].sort(
      (a, b) => Number(!a.vendor_id) - Number(!b.vendor_id) || a.vendor.localeCompare(b.vendor, 'ja'),
    ),
  };
}
