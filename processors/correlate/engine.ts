// The correlator: sessions stitched from events, judged by the rules against the approvals and the
// registry, reconciled with work reports. Pure of Kafka and of the wall clock (both come in from outside),
// so the streaming stage and `rmwatch analyze` run the same code and the same input gives the same output.
import { createHash } from 'node:crypto';
import type { Approval } from '../../model/approval.ts';
import type { CanonicalEvent } from '../../model/event.ts';
import type { Finding, RuleId, Severity } from '../../model/finding.ts';
import { findingId, normalizeAccount, noticeId } from '../../model/ids.ts';
import type { Notice } from '../../model/notice.ts';
import type { Reconciliation, SessionUse } from '../../model/reconciliation.ts';
import type { RegistryRecord } from '../../model/registry.ts';
import type { FindingMark, Session } from '../../model/session.ts';
import { coverOf } from '../rules/cover.ts';
import { jst, who } from '../rules/describe.ts';
import { RECONCILIATION_SEVERITY, SESSION_RULES } from '../rules/index.ts';
import { reconcile, sessionUse } from '../rules/reconcile.ts';
import type { Cover, RuleContext, Violation } from '../rules/rule.ts';
import { Stitcher, type ApplyResult } from '../sessionize/stitcher.ts';
import type { SessionState } from '../sessionize/state.ts';
import { LedgerView } from './ledger-view.ts';
import { RegistryView } from './registry-view.ts';
import { RunningIndex, type RunningSpan } from './running-index.ts';
import type { CorrelateSettings } from './settings.ts';

export interface Output {
  sessions: Session[];
  findings: Finding[];
  notices: Notice[];
  reconciliations: Reconciliation[];
}

const emptyOutput = (): Output => ({ sessions: [], findings: [], notices: [], reconciliations: [] });

export interface CorrelatorOptions {
  settings: CorrelateSettings;
  registry?: readonly RegistryRecord[];
  approvals?: readonly Approval[];
  /** `updated_at` of what the correlator writes. */
  clock: () => string;
}

interface ApprovalUsage {
  uses: Map<string, SessionUse>;
  marks: FindingMark[];
  fingerprint?: string;
}

export class Correlator {
  readonly registry: RegistryView;
  readonly ledger: LedgerView;
  readonly stitcher: Stitcher;
  private readonly usage = new Map<string, ApprovalUsage>();
  /** Approvals long past whose session summaries were let go (bounded by the approvals there are). */
  private readonly retired = new Set<string>();
  /** Per output, the findings it raises that were not raised before it (by id, as first raised). */
  private readonly raisedIn = new WeakMap<Output, Map<string, Finding>>();
  /** Each session's shape when last judged (start, end, status): a change may change its neighbours' findings. */
  private readonly shapes = new Map<string, string>();
  /** The sessions' running times as last judged, to find those running at once. */
  private readonly running: RunningIndex;
  /**
   * Each session record's last event (ms), read once per record: every judgement of who ran at once asks it
   * of every open session. A record is replaced, not changed, when its session changes.
   */
  private readonly lastSeen = new WeakMap<Session, number>();
  private readonly settings: CorrelateSettings;
  private readonly clock: () => string;

  constructor(options: CorrelatorOptions) {
    this.settings = options.settings;
    this.clock = options.clock;
    this.registry = new RegistryView(options.registry ?? []);
    this.ledger = new LedgerView(options.approvals ?? []);
    this.stitcher = new Stitcher(this.registry, this.settings, this.clock);
    this.running = new RunningIndex((id) => this.stitcher.sessions.get(id)?.record);
  }

  /** One event from `rm.events` (`shard`: its partition). */
  ingest(event: CanonicalEvent, shard?: number): { result: ApplyResult; output: Output } {
    const result = this.stitcher.apply(event, shard);
    const out = emptyOutput();
    if (result.kind === 'stitched') {
      this.evaluate(result.touched, out);
      if (this.stitcher.sweepDue()) this.sweep(out);
    }
    return { result, output: out };
  }

  /**
   * Several events at once (a Kafka batch): each is stitched, and each session they touched is judged once,
   * at the end, instead of once per event.
   */
  ingestBatch(events: readonly { event: CanonicalEvent; shard?: number }[]): {
    results: ApplyResult[];
    output: Output;
  } {
    const out = emptyOutput();
    const touched = new Set<string>();
    const results = events.map(({ event, shard }) => {
      const result = this.stitcher.apply(event, shard);
      if (result.kind === 'stitched') for (const id of result.touched) touched.add(id);
      return result;
    });
    this.evaluate([...touched], out);
    this.sweep(out);
    return { results, output: out };
  }

  /**
   * Lets event time follow the clock (the stage calls this when no event came for a while), closing
   * silent sessions and firing time-based rules on open ones.
   */
  advanceTo(eventTimeMs: number): Output {
    const out = emptyOutput();
    this.stitcher.advance(eventTimeMs);
    this.sweep(out, true);
    return out;
  }

  setApproval(id: string, approval: Approval | undefined): Output {
    const before = this.ledger.get(id);
    this.ledger.set(id, approval);
    const out = emptyOutput();
    // Sessions in memory this approval could cover (or covered before this version).
    const accounts = new Set<string>();
    for (const a of [before, approval])
      for (const op of a?.operators ?? []) for (const acc of op.accounts) accounts.add(normalizeAccount(acc));
    const ids = new Set(this.stitcher.withAccounts([...accounts]).map((s) => s.id));
    for (const s of this.stitcher.sessions.values())
      if (
        s.approval_id === id ||
        (approval && s.record.operator && approval.operators.some((o) => o.id === s.record.operator))
      )
        ids.add(s.id);
    this.evaluate([...ids], out);
    this.reconcileApproval(id, out);
    return out;
  }

  setRegistry(entityId: string, record: RegistryRecord | undefined): Output {
    this.registry.set(entityId, record);
    const out = emptyOutput();
    this.evaluate(this.stitcher.rederiveAll(), out);
    return out;
  }

  /** Judges every session in memory again (after state was reloaded while approvals may have changed). */
  reevaluateAll(): Output {
    const out = emptyOutput();
    this.evaluate([...this.stitcher.sessions.keys()], out, new Set());
    return out;
  }

  /** State from `rm.sessions` and `rm.reconciliations` after a restart. */
  restoreSession(session: Session): void {
    this.stitcher.restore(session);
  }

  restoreReconciliation(record: Reconciliation): void {
    this.usage.set(record.id, {
      uses: new Map(record.sessions.map((u) => [u.session_id, u])),
      marks: record.findings,
      fingerprint: fingerprint({ ...record, checked_at: '', findings: [] }),
    });
  }

  /**
   * The final word on a closed body of evidence (`rmwatch analyze`): time-based rules at the newest event,
   * and every work report treated as due.
   */
  finish(): Output {
    const out = emptyOutput();
    this.sweep(out, true, false);
    for (const id of this.usage.keys()) this.reconcileApproval(id, out, Number.POSITIVE_INFINITY);
    // Approvals whose window passed without any session: reconciliation says so.
    for (const a of this.ledger.all())
      if (!this.usage.has(a.id)) this.reconcileApproval(a.id, out, Number.POSITIVE_INFINITY);
    return out;
  }

  private sweep(out: Output, force = false, evict = true): void {
    if (!force && !this.stitcher.sweepDue()) return;
    const { closed, open, forgotten } = this.stitcher.advance();
    for (const id of forgotten) this.shapes.delete(id);
    this.running.delete(forgotten);
    // Open sessions only when a time-based rule said it could now answer differently (or never judged).
    const now = this.stitcher.newestEvent;
    const due = open.filter((id) => {
      const s = this.stitcher.sessions.get(id);
      return s !== undefined && (s.due_at ?? Infinity) <= now;
    });
    this.evaluate([...closed, ...due], out, new Set(closed));
    // Reports fall due with time; an approval long past (a month after its report was due) is let go.
    const keepMs = (this.settings.rules.reportDueHours + 30 * 24) * 3600_000;
    for (const [id, usage] of this.usage) {
      const approval = this.ledger.get(id);
      if (evict && (!approval || Date.parse(approval.window.end) + keepMs < now)) {
        this.usage.delete(id);
        this.retired.add(id);
        continue;
      }
      if (!approval) continue;
      if (!approval.report && [...usage.uses.values()].some((u) => u.status === 'closed'))
        this.reconcileApproval(id, out);
    }
  }

  /**
   * Judges sessions and writes what changed. `changed` sessions are written even when their findings did
   * not change (their record did); others only when a finding, notice or approval changed.
   */
  private evaluate(ids: readonly string[], out: Output, changed: Set<string> = new Set(ids)): void {
    const queue = new Set(ids);
    // Starts (ms) at which how many sessions ran at once changed: sessions that started there are judged again.
    const moved: [number, number][] = [];
    for (const id of ids) {
      const s = this.stitcher.sessions.get(id);
      if (!s) continue;
      // One account in two places concerns both sessions: the other one is judged again too.
      if (s.record.established)
        for (const other of this.stitcher.withAccounts(s.record.accounts))
          if (other.id !== id) queue.add(other.id);
      const shape = shapeOf(s.record);
      if (this.shapes.get(id) === shape) continue;
      this.shapes.set(id, shape);
      const span = runningSpan(s.record);
      moved.push(...changedStarts(this.running.spanOf(id), span));
      this.running.set(id, span);
    }
    // A session that appeared, began or ended elsewhere in time (a late one too) changes how many ran at
    // once when the sessions that started between its old and new bounds began (found by start in the index
    // of running times: established sessions are all there).
    for (const [from, to] of moved)
      for (const other of this.running.startedWithin(from, to)) queue.add(other);
    const touchedApprovals = new Set<string>();
    for (const id of queue) {
      const s = this.stitcher.sessions.get(id);
      if (!s) continue;
      const dirty = this.judge(s, out, touchedApprovals);
      if (dirty || changed.has(id)) {
        s.record.updated_at = this.clock();
        out.sessions.push(s.record);
      }
    }
    for (const a of touchedApprovals) this.reconcileApproval(a, out);
  }

  /** Runs the rules on one session; returns whether anything of the session record changed. */
  private judge(s: SessionState, out: Output, touchedApprovals: Set<string>): boolean {
    const r = s.record;
    const previousApproval = s.approval_id;
    let dirty = false;
    const current: { mark: FindingMark; finding: Finding }[] = [];
    let transfer = false;
    if (r.status !== 'merged') {
      const cover: Cover = r.established
        ? coverOf(r, this.ledger, this.registry, this.settings.rules.windowGraceMinutes)
        : { kind: 'none' };
      s.approval_id = cover.kind === 'covered' ? cover.approval.id : undefined;
      if (s.approval_id) r.approval_id = s.approval_id;
      else delete r.approval_id;
      const ctx = this.context(s, cover);
      s.due_at = undefined;
      for (const rule of SESSION_RULES) {
        if (this.settings.rules.enabled[rule.id] === false) continue;
        const next = rule.nextChange?.(r, ctx);
        if (next !== undefined && (s.due_at === undefined || next < s.due_at)) s.due_at = next;
        for (const v of rule.check(r, ctx)) {
          if (rule.id === 'file_transfer') transfer = true;
          current.push(
            this.finding(
              rule.id,
              this.settings.rules.severity[rule.id] ?? v.severity ?? rule.severity,
              r,
              v,
              s.approval_id,
            ),
          );
        }
      }
    } else {
      s.approval_id = undefined;
      delete r.approval_id;
    }
    if (previousApproval !== s.approval_id) {
      dirty = true;
      if (previousApproval) {
        this.usage.get(previousApproval)?.uses.delete(s.id);
        touchedApprovals.add(previousApproval);
      }
    }
    if (s.approval_id) {
      const use = sessionUse(r, transfer);
      if (use) {
        const usage = this.usageOf(s.approval_id);
        if (fingerprint(usage.uses.get(s.id)) !== fingerprint(use)) {
          usage.uses.set(s.id, use);
          touchedApprovals.add(s.approval_id);
        }
      }
    }
    if (this.emitChanges(s.findings, current, out, r)) {
      s.findings = current.map((c) => c.mark);
      r.findings = s.findings;
      dirty = true;
    }
    if (this.notify(s, out)) dirty = true;
    return dirty;
  }

  private context(s: SessionState, cover: Cover): RuleContext {
    const r = s.record;
    return {
      registry: this.registry,
      ledger: this.ledger,
      settings: this.settings.rules,
      cover,
      asOf: this.stitcher.newestEvent,
      concurrent: (first) =>
        this.running.runningAt(Date.parse(r.start), r.id, (x) => this.runningUntil(x), first),
      runningUntil: (x) => this.runningUntil(x),
      sameAccounts: () =>
        this.stitcher
          .withAccounts(r.accounts)
          .map((o) => o.record)
          .filter((x) => x.id !== r.id && x.status !== 'merged'),
    };
  }

  private runningUntil(s: Session): number {
    if (s.end) return Date.parse(s.end);
    let seen = this.lastSeen.get(s);
    if (seen === undefined) this.lastSeen.set(s, (seen = Date.parse(s.last_seen)));
    if (s.status !== 'open') return seen;
    return Math.min(
      Math.max(this.stitcher.newestEvent, seen),
      seen + this.settings.connectedTimeoutHours * 3600_000,
    );
  }

  private finding(
    rule: RuleId,
    severity: Severity,
    r: Pick<Session, 'id' | 'start' | 'timeline' | 'vendor' | 'operator'>,
    v: Violation,
    approvalId: string | undefined,
  ): { mark: FindingMark; finding: Finding } {
    const at = v.at ?? r.timeline.find((e) => e.id === v.evidence[0])?.at ?? r.start;
    const finding: Finding = {
      id: findingId(rule, r.id, v.subject ?? ''),
      rule,
      severity,
      session_id: r.id,
      status: 'active',
      evidence: v.evidence,
      message: v.message,
      message_en: v.message_en,
      '@timestamp': at,
      updated_at: this.clock(),
      disposition: { status: 'open' },
    };
    const optional = {
      subject: v.subject,
      vendor: r.vendor,
      operator: r.operator,
      account: v.account,
      host: v.host,
      approval_id: approvalId,
    };
    for (const [k, val] of Object.entries(optional))
      if (val !== undefined) Object.assign(finding, { [k]: val });
    const mark: FindingMark = {
      id: finding.id,
      fingerprint: fingerprint({ ...finding, updated_at: '' }),
      rule,
      severity,
    };
    if (v.subject !== undefined) mark.subject = v.subject;
    return { mark, finding };
  }

  /** Writes new and changed findings, and withdraws those that no longer hold; true if any. */
  private emitChanges(
    previous: readonly FindingMark[],
    current: readonly { mark: FindingMark; finding: Finding }[],
    out: Output,
    context: { id: string; start: string; evidence: string[]; vendor?: string; operator?: string },
  ): boolean {
    let changed = false;
    let raisedHere = this.raisedIn.get(out);
    if (!raisedHere) this.raisedIn.set(out, (raisedHere = new Map()));
    const before = new Map(previous.map((m) => [m.id, m]));
    for (const c of current) {
      const mark = before.get(c.mark.id);
      if (mark?.fingerprint !== c.mark.fingerprint) {
        if (!mark) raisedHere.set(c.mark.id, c.finding);
        out.findings.push(c.finding);
        changed = true;
      }
      before.delete(c.mark.id);
    }
    for (const gone of before.values()) {
      changed = true;
      // Raised and withdrawn within one output (a batch, a sweep): nobody saw it, so nobody hears of it.
      const raised = raisedHere.get(gone.id);
      raisedHere.delete(gone.id);
      const from = raised ? out.findings.indexOf(raised) : -1;
      if (from >= 0) out.findings = out.findings.filter((f, i) => i < from || f.id !== gone.id);
      else out.findings.push(this.withdrawn(gone, context));
    }
    return changed;
  }

  private withdrawn(
    mark: FindingMark,
    s: { id: string; start: string; evidence: string[]; vendor?: string; operator?: string },
  ): Finding {
    const finding: Finding = {
      id: mark.id,
      rule: mark.rule,
      severity: mark.severity,
      session_id: mark.session_id ?? s.id,
      status: 'withdrawn',
      evidence: s.evidence.slice(0, 1).length > 0 ? s.evidence.slice(0, 1) : [s.id],
      message: 'この検知は取り下げられました（条件に該当しなくなりました）。',
      message_en: 'This finding was withdrawn: its condition no longer holds.',
      '@timestamp': s.start,
      updated_at: this.clock(),
      disposition: { status: 'open' },
    };
    if (mark.subject !== undefined) finding.subject = mark.subject;
    if (s.vendor) finding.vendor = s.vendor;
    if (s.operator) finding.operator = s.operator;
    return finding;
  }

  private notify(s: SessionState, out: Output): boolean {
    const r = s.record;
    if (r.status === 'merged' || !r.established) return false;
    let changed = false;
    const w = who(r, this.registry);
    const approval = r.approval_id ? `（申請 ${r.approval_id}）` : '（該当申請なし）';
    const approvalEn = r.approval_id ? ` under approval ${r.approval_id}` : ' with no approval';
    const base = { session_id: r.id, accounts: r.accounts, targets: r.targets };
    const extra = { approval_id: r.approval_id, vendor: r.vendor, operator: r.operator };
    const build = (kind: Notice['kind'], at: string, ja: string, en: string): Notice => {
      const n: Notice = {
        id: noticeId(kind, r.id),
        kind,
        '@timestamp': at,
        ...base,
        message: ja,
        message_en: en,
      };
      for (const [k, v] of Object.entries(extra)) if (v !== undefined) Object.assign(n, { [k]: v });
      return n;
    };
    if (!s.notices.has('session_start')) {
      s.notices.add('session_start');
      out.notices.push(
        build(
          'session_start',
          r.start,
          `${w.ja} が ${jst(r.start)} に接続しました${approval}。`,
          `${w.en} connected at ${jst(r.start)}${approvalEn}.`,
        ),
      );
      changed = true;
    }
    if (r.status === 'closed' && r.end && !s.notices.has('session_end')) {
      s.notices.add('session_end');
      const mins = Math.round((Date.parse(r.end) - Date.parse(r.start)) / 60_000);
      out.notices.push(
        build(
          'session_end',
          r.end,
          `${w.ja} が ${jst(r.end)} に切断しました（${mins} 分）${approval}。`,
          `${w.en} disconnected at ${jst(r.end)} after ${mins} min${approvalEn}.`,
        ),
      );
      changed = true;
    }
    if (changed) r.notices = [...s.notices].sort();
    return changed;
  }

  private usageOf(approvalId: string): ApprovalUsage {
    let u = this.usage.get(approvalId);
    if (!u) this.usage.set(approvalId, (u = { uses: new Map(), marks: [] }));
    return u;
  }

  private reconcileApproval(id: string, out: Output, asOf = this.stitcher.newestEvent): void {
    const approval = this.ledger.get(id);
    // A retired approval's sessions are no longer in memory: its last reconciliation stands.
    if (!approval || this.retired.has(id)) return;
    const usage = this.usageOf(id);
    const { record, violations } = reconcile(
      approval,
      [...usage.uses.values()],
      this.settings.rules,
      asOf,
      this.clock(),
    );
    const current = violations
      .filter((v) => this.settings.rules.enabled[v.rule] !== false)
      .map((v) => {
        const s = {
          id: v.session.session_id,
          start: v.session.start,
          timeline: [],
          vendor: v.session.vendor,
          operator: v.session.operator,
        };
        const c = this.finding(
          v.rule,
          this.settings.rules.severity[v.rule] ?? RECONCILIATION_SEVERITY[v.rule],
          s,
          v,
          id,
        );
        c.mark.session_id = v.session.session_id;
        return c;
      });
    const findingsChanged = this.emitChanges(usage.marks, current, out, {
      id: `approval:${id}`,
      start: approval.window.start,
      evidence: [],
    });
    if (findingsChanged) usage.marks = current.map((c) => c.mark);
    const fp = fingerprint({ ...record, checked_at: '', findings: [] });
    if (findingsChanged || fp !== usage.fingerprint) {
      usage.fingerprint = fp;
      out.reconciliations.push({ ...record, findings: usage.marks });
    }
  }
}

function fingerprint(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value ?? null))
    .digest('hex')
    .slice(0, 16);
}

/** What of a session, when it changes, may change its neighbours' findings. */
function shapeOf(r: Session): string {
  return `${r.start}|${r.end ?? ''}|${r.status}|${r.established}`;
}

/** When a session ran (open: for ever), for counting who ran at once; undefined when it does not count. */
function runningSpan(r: Session): RunningSpan | undefined {
  if (!r.established || r.status === 'merged') return undefined;
  const end = r.status === 'open' ? Number.POSITIVE_INFINITY : Date.parse(r.end ?? r.last_seen);
  return { start: Date.parse(r.start), end };
}

/**
 * The ranges of start times (inclusive) at which a session's change of shape changes what ran at once: where
 * its old and new running times differ.
 */
function changedStarts(a: RunningSpan | undefined, b: RunningSpan | undefined): [number, number][] {
  if (!a || !b) {
    const only = a ?? b;
    return only ? [[only.start, only.end]] : [];
  }
  const ranges: [number, number][] = [];
  if (a.start !== b.start) ranges.push([Math.min(a.start, b.start), Math.max(a.start, b.start)]);
  if (a.end !== b.end) ranges.push([Math.min(a.end, b.end), Math.max(a.end, b.end)]);
  return ranges;
}
