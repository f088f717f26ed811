// The auditors' query layer over Elasticsearch: one place that both the HTTP API and the CLI ask.
//   input:  the parsed list queries of ./filters.ts; ids
//   output: pages `{ total, size, items, next_cursor? }` (exact totals; `next_cursor` walks on with
//           search_after), whole lists as a stream of pages for exports, and the detail views: a session
//           with its findings, a session's timeline, a finding with its evidence events, an approval with
//           its sessions
// Documents are the pipeline's own records (written by the index sink from validated model records), so
// they are passed on as stored; a session list leaves out the timeline and its ids (build.ts).
//
// The timeline of a session comes from its event ids: `evidence` (every event the session was stitched
// from) together with the ids of `timeline` (the same events with their layer). Both are capped at 1000
// entries; `truncated` says how many events joined beyond that, and the answer passes it on. Searching
// `rm-events` by account or address instead would also find events of other sessions at the same time.
import type { ResolvedConfig } from '../../infra/config.ts';
import type { SearchHit, SearchStore } from '../../infra/elasticsearch.ts';
import { indexName } from '../../infra/index-templates.ts';
import type { Approval } from '../../model/approval.ts';
import type { Finding } from '../../model/finding.ts';
import type { Session, TimelineEntry } from '../../model/session.ts';
import { auditEntryFromStored, type AuditEntry } from './audit-log.ts';
import {
  approvalsQuery,
  approvalsSort,
  auditLogQuery,
  auditLogSort,
  encodeCursor,
  findingsQuery,
  findingsSort,
  SESSION_LIST_EXCLUDES,
  searchBody,
  sessionsQuery,
  sessionsSort,
  type SortClause,
} from './build.ts';
import { eventLines, type EventLine } from './events.ts';
import type {
  ApprovalFilter,
  AuditLogFilter,
  FindingFilter,
  PageRequest,
  SESSION_SORTS,
  SessionFilter,
} from './filters.ts';

export interface Page<T> {
  /** Every document the filters match, not just this page's. */
  total: number;
  size: number;
  items: T[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next_cursor?: string;
}

/** One page of an export: the rows, and how far the export has come. */
export interface ExportPage<T> {
  items: T[];
  fetched: number;
  total: number;
}

export type SessionSummary = Omit<Session, 'timeline' | 'evidence' | 'logon_ids'>;
export type FindingView = Finding & { evidence_events?: EventLine[] };
export type ApprovalView = Approval & { session_count: number };

export interface SessionTimeline {
  session_id: string;
  status: Session['status'];
  /** Events joined after the session's timeline was full: they are not in these lines. */
  truncated: number;
  lines: EventLine[];
}

export type SessionSort = (typeof SESSION_SORTS)[number];
export type SessionListRequest = SessionFilter & PageRequest & { sort: SessionSort };
export type FindingListRequest = FindingFilter & PageRequest & { evidence?: boolean };
export type ApprovalListRequest = ApprovalFilter & PageRequest;
export type AuditLogListRequest = AuditLogFilter & PageRequest;

/** Rows per request of an export; the API and CLI pass `audit.exportPageSize`. */
const DEFAULT_EXPORT_PAGE = 1000;

export interface AuditQueries {
  sessions(request: SessionListRequest): Promise<Page<SessionSummary>>;
  exportSessions(request: SessionListRequest, pageSize?: number): AsyncGenerator<ExportPage<SessionSummary>>;
  /** The session (without its timeline) and every finding about it, withdrawn ones included. */
  session(id: string): Promise<{ session: SessionSummary; findings: Finding[] } | undefined>;
  timeline(id: string): Promise<SessionTimeline | undefined>;
  findings(request: FindingListRequest): Promise<Page<FindingView>>;
  exportFindings(request: FindingListRequest, pageSize?: number): AsyncGenerator<ExportPage<FindingView>>;
  /** The finding, its concrete index, and its evidence events with their raw lines. */
  finding(id: string): Promise<{ finding: Finding; index: string; evidence: EventLine[] } | undefined>;
  approvals(request: ApprovalListRequest): Promise<Page<ApprovalView>>;
  exportApprovals(request: ApprovalListRequest, pageSize?: number): AsyncGenerator<ExportPage<ApprovalView>>;
  /** The approval and its sessions (merged ones left out), earliest first. */
  approval(id: string): Promise<{ approval: Approval; sessions: SessionSummary[] } | undefined>;
  auditLog(request: AuditLogListRequest): Promise<Page<AuditEntry>>;
  exportAuditLog(request: AuditLogListRequest, pageSize?: number): AsyncGenerator<ExportPage<AuditEntry>>;
}

type Config = Pick<ResolvedConfig, 'namespace'>;

interface ListSpec<R, T> {
  index: string;
  query(request: R): Record<string, unknown>;
  sort(request: R): SortClause[];
  excludes?: readonly string[];
  /** Hits → items, with whatever a page adds (evidence events, session counts). */
  items(hits: SearchHit[], request: R): Promise<T[]>;
}

const asIs = <T>(hits: SearchHit[]): Promise<T[]> => Promise.resolve(hits.map((h) => h.source as T));

/** A finding nobody has dispositioned yet has no disposition stored: it is open. */
const withDisposition = (source: Record<string, unknown>): Finding =>
  ({ ...source, disposition: source.disposition ?? { status: 'open' } }) as Finding;

export function createAuditQueries(config: Config, store: SearchStore): AuditQueries {
  const sessionsIndex = indexName(config, 'sessions');
  const findingsIndex = indexName(config, 'findings');
  const approvalsIndex = indexName(config, 'approvals');
  const auditIndex = indexName(config, 'audit');

  async function page<R extends PageRequest, T>(spec: ListSpec<R, T>, request: R): Promise<Page<T>> {
    const sort = spec.sort(request);
    const result = await store.query(
      spec.index,
      searchBody({ query: spec.query(request), sort, paging: request, excludes: spec.excludes }),
    );
    const hits = result.hits.slice(0, request.size);
    const out: Page<T> = { total: result.total, size: request.size, items: await spec.items(hits, request) };
    const last = hits[hits.length - 1];
    if (result.hits.length > request.size && last?.sort) out.next_cursor = encodeCursor(sort, last.sort);
    return out;
  }

  async function* everything<R extends PageRequest, T>(
    spec: ListSpec<R, T>,
    request: R,
    pageSize: number,
  ): AsyncGenerator<ExportPage<T>> {
    let cursor: string | undefined;
    let fetched = 0;
    for (;;) {
      const next = await page(spec, { ...request, size: pageSize, page: undefined, cursor });
      fetched += next.items.length;
      yield { items: next.items, fetched, total: next.total };
      if (next.next_cursor === undefined) return;
      cursor = next.next_cursor;
    }
  }

  const sessionsSpec: ListSpec<SessionListRequest, SessionSummary> = {
    index: sessionsIndex,
    query: sessionsQuery,
    sort: (r) => sessionsSort(r.sort, r.order),
    excludes: SESSION_LIST_EXCLUDES,
    items: asIs,
  };

  const findingsSpec: ListSpec<FindingListRequest, FindingView> = {
    index: findingsIndex,
    query: findingsQuery,
    sort: (r) => findingsSort(r.order),
    items: async (hits, request) => {
      const findings: FindingView[] = hits.map((h) => withDisposition(h.source));
      if (!request.evidence) return findings;
      const lines = await eventLines(
        config,
        store,
        findings.flatMap((f) => f.evidence ?? []),
      );
      const byId = new Map(lines.map((l) => [l.id, l]));
      return findings.map((f) => ({
        ...f,
        evidence_events: (f.evidence ?? []).flatMap((id) => byId.get(id) ?? []),
      }));
    },
  };

  /** How many (unmerged) sessions each approval of a page has, in one aggregation. */
  async function sessionCounts(ids: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (ids.length === 0) return counts;
    const result = await store.query(sessionsIndex, {
      size: 0,
      query: {
        bool: { filter: [{ terms: { approval_id: ids } }], must_not: [{ term: { status: 'merged' } }] },
      },
      aggs: { per_approval: { terms: { field: 'approval_id', size: ids.length } } },
    });
    const buckets = (result.aggregations?.per_approval as { buckets?: { key: string; doc_count: number }[] })
      ?.buckets;
    for (const b of buckets ?? []) counts.set(b.key, b.doc_count);
    return counts;
  }

  const approvalsSpec: ListSpec<ApprovalListRequest, ApprovalView> = {
    index: approvalsIndex,
    query: approvalsQuery,
    sort: (r) => approvalsSort(r.order),
    items: async (hits) => {
      const approvals = hits.map((h) => h.source as Approval);
      const counts = await sessionCounts(approvals.map((a) => a.id));
      return approvals.map((a) => ({ ...a, session_count: counts.get(a.id) ?? 0 }));
    },
  };

  const auditSpec: ListSpec<AuditLogListRequest, AuditEntry> = {
    index: auditIndex,
    query: auditLogQuery,
    sort: (r) => auditLogSort(r.order),
    items: (hits) => Promise.resolve(hits.map((h) => auditEntryFromStored(h.source))),
  };

  /** One document by id, with the concrete index it lives in (an alias may span several). */
  async function byId(
    index: string,
    id: string,
    excludes?: readonly string[],
  ): Promise<SearchHit | undefined> {
    const body: Record<string, unknown> = { query: { ids: { values: [id] } }, size: 1 };
    if (excludes) body._source = { excludes: [...excludes] };
    return (await store.query(index, body)).hits[0];
  }

  return {
    sessions: (request) => page(sessionsSpec, request),
    exportSessions: (request, pageSize = DEFAULT_EXPORT_PAGE) => everything(sessionsSpec, request, pageSize),

    async session(id) {
      const hit = await byId(sessionsIndex, id, SESSION_LIST_EXCLUDES);
      if (!hit) return undefined;
      const findings = await store.query(findingsIndex, {
        query: { term: { session_id: id } },
        sort: findingsSort('asc'),
        size: 1000,
      });
      return {
        session: hit.source as SessionSummary,
        findings: findings.hits.map((h) => withDisposition(h.source)),
      };
    },

    async timeline(id) {
      const hit = await byId(sessionsIndex, id);
      if (!hit) return undefined;
      const session = hit.source as Partial<Session>;
      const entries: TimelineEntry[] = Array.isArray(session.timeline) ? session.timeline : [];
      const ids = Array.isArray(session.evidence) ? session.evidence : [];
      return {
        session_id: id,
        status: session.status ?? 'open',
        truncated: session.truncated ?? 0,
        lines: await eventLines(config, store, ids, entries),
      };
    },

    findings: (request) => page(findingsSpec, request),
    exportFindings: (request, pageSize = DEFAULT_EXPORT_PAGE) => everything(findingsSpec, request, pageSize),

    async finding(id) {
      const hit = await byId(findingsIndex, id);
      if (!hit) return undefined;
      const finding = withDisposition(hit.source);
      const evidence = await eventLines(config, store, finding.evidence ?? []);
      return { finding, index: hit.index, evidence };
    },

    approvals: (request) => page(approvalsSpec, request),
    exportApprovals: (request, pageSize = DEFAULT_EXPORT_PAGE) =>
      everything(approvalsSpec, request, pageSize),

    async approval(id) {
      const hit = await byId(approvalsIndex, id);
      if (!hit) return undefined;
      const sessions: SessionSummary[] = [];
      const request: SessionListRequest = { approval: id, size: 1000, order: 'asc', sort: 'start' };
      for await (const part of everything(sessionsSpec, request, 1000)) sessions.push(...part.items);
      return { approval: hit.source as Approval, sessions };
    },

    auditLog: (request) => page(auditSpec, request),
    exportAuditLog: (request, pageSize = DEFAULT_EXPORT_PAGE) => everything(auditSpec, request, pageSize),
  };
}
