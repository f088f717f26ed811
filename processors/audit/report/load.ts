// The monthly report from what Elasticsearch holds (the index sink's indices).
//   input:  the search store, the namespace (config), the month (`YYYY-MM`, Asia/Tokyo) with optional vendor
//           and system filters, `asOf` (default: now)
//   reads:  rm-sessions: the sessions overlapping the month, merged ones excluded, in pages (search_after on
//           start + id, without the bulky timeline and evidence lists); rm-findings: the active findings of
//           those sessions, in pages per batch of session ids; rm-approvals: the approvals the sessions name,
//           by id (mget, in batches); rm-registry: every record, in pages
//   output: buildMonthlyReport over them; a stored document the model cannot read is left out and listed in
//           `unreadable` (index, id, reason) rather than failing the whole report
import type { ZodType } from 'zod';
import type { ResolvedConfig } from '../../../infra/config.ts';
import { searchAfter, type SearchHit, type SearchStore } from '../../../infra/elasticsearch.ts';
import { indexName } from '../../../infra/index-templates.ts';
import { Approval } from '../../../model/approval.ts';
import { Finding } from '../../../model/finding.ts';
import { RegistryRecord } from '../../../model/registry.ts';
import { Session } from '../../../model/session.ts';
import { buildMonthlyReport, type MonthlyReport } from './build.ts';
import { instant, monthPeriod } from './month.ts';

export interface MonthlyReportQuery {
  month: string;
  vendor?: string;
  system?: string;
  /** UTC ISO; default now. Open sessions are counted up to this moment. */
  asOf?: string;
}

/** Hits per search request, and ids per terms filter or mget: no request loads an unbounded set. */
const PAGE_SIZE = 500;

type Unreadable = NonNullable<MonthlyReport['unreadable']>;

export async function loadMonthlyReport(
  store: SearchStore,
  config: Pick<ResolvedConfig, 'namespace'>,
  query: MonthlyReportQuery,
): Promise<MonthlyReport> {
  // Bad input is refused before anything is read.
  const period = monthPeriod(query.month);
  const asOf = query.asOf ?? new Date().toISOString();
  instant(asOf, 'asOf');

  const unreadable: Unreadable = [];
  const read = <T>(schema: ZodType<T>, hits: readonly SearchHit[]): T[] =>
    hits.flatMap((hit) => {
      const parsed = schema.safeParse(hit.source);
      if (parsed.success) return [parsed.data];
      const issue = parsed.error.issues[0];
      unreadable.push({
        index: hit.index,
        id: hit.id,
        reason: issue ? `${issue.path.join('.') || '(document)'}: ${issue.message}` : 'unreadable',
      });
      return [];
    });

  const sessionHits = await searchAll(
    store,
    indexName(config, 'sessions'),
    {
      bool: {
        filter: [
          { range: { start: { lt: period.end } } },
          // Ended in or after the month, or still open.
          {
            bool: {
              should: [
                { range: { end: { gte: period.start } } },
                { bool: { must_not: { exists: { field: 'end' } } } },
              ],
              minimum_should_match: 1,
            },
          },
        ],
        must_not: [{ term: { status: 'merged' } }],
      },
    },
    [{ start: 'asc' }, { id: 'asc' }],
    ['timeline', 'evidence', 'logon_ids', 'findings', 'addresses'],
  );
  const sessions = read(Session, sessionHits);

  const findings: Finding[] = [];
  for (const ids of chunks(sessions.map((s) => s.id))) {
    const hits = await searchAll(
      store,
      indexName(config, 'findings'),
      {
        bool: {
          filter: [{ terms: { session_id: ids } }],
          must_not: [{ term: { status: 'withdrawn' } }],
        },
      },
      [{ id: 'asc' }],
    );
    findings.push(...read(Finding, hits));
  }

  const approvalIndex = indexName(config, 'approvals');
  const approvals: Approval[] = [];
  const approvalIds = [...new Set(sessions.flatMap((s) => (s.approval_id ? [s.approval_id] : [])))];
  for (const ids of chunks(approvalIds)) {
    const found = await store.getMany(ids.map((id) => ({ index: approvalIndex, id })));
    const hits = [...found].map(([key, source]): SearchHit => {
      const slash = key.indexOf('/');
      return { index: key.slice(0, slash), id: key.slice(slash + 1), source };
    });
    approvals.push(...read(Approval, hits));
  }

  const registryHits = await searchAll(store, indexName(config, 'registry'), { match_all: {} }, [
    { entity_id: { order: 'asc', missing: '_last' } },
  ]);
  const registry = read(RegistryRecord, registryHits);

  const report = buildMonthlyReport({
    month: query.month,
    vendor: query.vendor,
    system: query.system,
    asOf,
    sessions,
    findings,
    approvals,
    registry,
  });
  if (unreadable.length > 0) report.unreadable = unreadable;
  return report;
}

/** Every hit of a query, read a page at a time; `sort` must end in a unique field. */
async function searchAll(
  store: SearchStore,
  index: string,
  query: object,
  sort: object[],
  excludes: string[] = [],
): Promise<SearchHit[]> {
  const all: SearchHit[] = [];
  const body = { query, sort, ...(excludes.length > 0 ? { _source: { excludes } } : {}) };
  for await (const hit of searchAfter(store, index, body, PAGE_SIZE)) all.push(hit);
  return all;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += PAGE_SIZE) out.push(items.slice(i, i + PAGE_SIZE));
  return out;
}
