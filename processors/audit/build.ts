// Filters → Elasticsearch search bodies. Pure: no I/O, so each filter's query is checked by unit tests.
//   input:  the parsed filters of ./filters.ts, paging (size, page or cursor, order), a sort key
//   output: search bodies with exact totals (`track_total_hits`), a tie-breaking sort on `id` so that
//           `search_after` never skips or repeats a document, and `_source` without the bulky lists
// A cursor is the sort values of a page's last hit, with the sort it belongs to, as base64url JSON: a cursor
// from another sort or a hand-edited one is refused instead of silently returning the wrong page.
import { normalizeAccount } from '../../model/ids.ts';
import type {
  ApprovalFilter,
  AuditLogFilter,
  FindingFilter,
  PageRequest,
  SESSION_SORTS,
  SessionFilter,
} from './filters.ts';

type Clause = Record<string, unknown>;
export type SortClause = Record<string, { order: 'asc' | 'desc'; missing?: string | number }>;

/** A cursor that does not belong to this list (another sort, damaged, hand-made). */
export class CursorError extends Error {}

/**
 * An open session has not ended: sorting by end puts it after every ended one. Elasticsearch's own "missing"
 * marker is a 64-bit extreme that JSON numbers in JavaScript cannot carry back in a cursor, so the stand-in
 * is the last second of year 9999.
 */
const NOT_ENDED = 253_402_300_799_000;

const term = (field: string, value: string | boolean): Clause => ({ term: { [field]: value } });
const range = (field: string, bounds: Record<string, string>): Clause => ({ range: { [field]: bounds } });
const exists = (field: string): Clause => ({ exists: { field } });
const not = (clause: Clause): Clause => ({ bool: { must_not: [clause] } });
const anyOf = (clauses: Clause[]): Clause => ({ bool: { should: clauses, minimum_should_match: 1 } });

function bool(filter: Clause[], mustNot: Clause[]): Clause {
  if (filter.length === 0 && mustNot.length === 0) return { match_all: {} };
  const out: Record<string, Clause[]> = {};
  if (filter.length > 0) out.filter = filter;
  if (mustNot.length > 0) out.must_not = mustNot;
  return { bool: out };
}

/** A host name as given, and the FQDNs it is the first label of, on either field; case-insensitive. */
function hostMatch(fields: readonly string[], host: string): Clause {
  return anyOf(
    fields.flatMap((field) => [
      { term: { [field]: { value: host, case_insensitive: true } } },
      { prefix: { [field]: { value: `${host}.`, case_insensitive: true } } },
    ]),
  );
}

export function sessionsQuery(f: SessionFilter): Clause {
  const filter: Clause[] = [];
  const mustNot: Clause[] = [];
  if (f.vendor !== undefined) filter.push(term('vendor', f.vendor));
  if (f.operator !== undefined) filter.push(term('operator', f.operator));
  if (f.account !== undefined) filter.push(term('accounts', normalizeAccount(f.account)));
  if (f.host !== undefined) filter.push(hostMatch(['targets', 'jump_host'], f.host));
  if (f.approval !== undefined) filter.push(term('approval_id', f.approval));
  if (f.rule !== undefined) filter.push(term('findings.rule', f.rule));
  if (f.has_findings === true) filter.push(exists('findings.id'));
  if (f.has_findings === false) mustNot.push(exists('findings.id'));
  const status = f.status ?? 'unmerged';
  if (status === 'unmerged') mustNot.push(term('status', 'merged'));
  else if (status !== 'any') filter.push(term('status', status));
  // Overlap with [from, to): an open session reaches up to now.
  if (f.to !== undefined) filter.push(range('start', { lt: f.to }));
  if (f.from !== undefined) filter.push(anyOf([range('end', { gte: f.from }), not(exists('end'))]));
  return bool(filter, mustNot);
}

export function findingsQuery(f: FindingFilter): Clause {
  const filter: Clause[] = [];
  const mustNot: Clause[] = [];
  if (f.rule !== undefined) filter.push(term('rule', f.rule));
  if (f.severity !== undefined) filter.push(term('severity', f.severity));
  if (f.vendor !== undefined) filter.push(term('vendor', f.vendor));
  if (f.session !== undefined) filter.push(term('session_id', f.session));
  if (f.approval !== undefined) filter.push(term('approval_id', f.approval));
  const status = f.status ?? 'active';
  // A finding written without a status is active (the model's default).
  if (status === 'active') mustNot.push(term('status', 'withdrawn'));
  else if (status === 'withdrawn') filter.push(term('status', 'withdrawn'));
  // Nobody has dispositioned a finding yet when the field is absent: that is open.
  if (f.disposition === 'open')
    filter.push(anyOf([term('disposition.status', 'open'), not(exists('disposition.status'))]));
  else if (f.disposition !== undefined) filter.push(term('disposition.status', f.disposition));
  const bounds: Record<string, string> = {};
  if (f.from !== undefined) bounds.gte = f.from;
  if (f.to !== undefined) bounds.lt = f.to;
  if (Object.keys(bounds).length > 0) filter.push(range('@timestamp', bounds));
  return bool(filter, mustNot);
}

export function approvalsQuery(f: ApprovalFilter): Clause {
  const filter: Clause[] = [];
  if (f.vendor !== undefined) filter.push(term('vendor', f.vendor));
  if (f.status !== undefined) filter.push(term('status', f.status));
  // The window overlaps [from, to), as the ledger API reads the same filter.
  if (f.from !== undefined) filter.push(range('window.end', { gt: f.from }));
  if (f.to !== undefined) filter.push(range('window.start', { lt: f.to }));
  return bool(filter, []);
}

export function auditLogQuery(f: AuditLogFilter): Clause {
  const filter: Clause[] = [];
  if (f.who !== undefined) filter.push(term('who', f.who));
  if (f.action !== undefined) filter.push(term('action', f.action));
  const bounds: Record<string, string> = {};
  if (f.from !== undefined) bounds.gte = f.from;
  if (f.to !== undefined) bounds.lt = f.to;
  if (Object.keys(bounds).length > 0) filter.push(range('at', bounds));
  return bool(filter, []);
}

export function sessionsSort(sort: (typeof SESSION_SORTS)[number], order: 'asc' | 'desc'): SortClause[] {
  const primary: SortClause =
    sort === 'start'
      ? { start: { order } }
      : sort === 'end'
        ? { end: { order, missing: NOT_ENDED } }
        : sort === 'duration'
          ? { duration_s: { order, missing: '_last' } }
          : { vendor: { order, missing: '_last' } };
  return [primary, { id: { order: 'asc' } }];
}

export const findingsSort = (order: 'asc' | 'desc'): SortClause[] => [
  { '@timestamp': { order } },
  { id: { order: 'asc' } },
];
export const approvalsSort = (order: 'asc' | 'desc'): SortClause[] => [
  { 'window.start': { order } },
  { id: { order: 'asc' } },
];
export const auditLogSort = (order: 'asc' | 'desc'): SortClause[] => [
  { at: { order } },
  { id: { order: 'asc' } },
];

/** What a sort is, for telling its cursors apart: `start:desc,id:asc`. */
export function sortSignature(sort: readonly SortClause[]): string {
  return sort.map((s) => Object.entries(s).map(([field, o]) => `${field}:${o.order}`)).join(',');
}

export function encodeCursor(sort: readonly SortClause[], values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify({ s: sortSignature(sort), v: values }), 'utf8').toString('base64url');
}

export function decodeCursor(sort: readonly SortClause[], cursor: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('cursor: not a cursor of this list (take next_cursor from the previous page)');
  }
  const { s, v } = (parsed ?? {}) as { s?: unknown; v?: unknown };
  if (s !== sortSignature(sort))
    throw new CursorError('cursor: it belongs to another sort or order; start again without a cursor');
  if (
    !Array.isArray(v) ||
    v.length !== sort.length ||
    !v.every((x) => x === null || typeof x === 'string' || typeof x === 'number')
  )
    throw new CursorError('cursor: not a cursor of this list (take next_cursor from the previous page)');
  return v;
}

export interface SearchBodyOptions {
  query: Clause;
  sort: SortClause[];
  paging: PageRequest;
  /** Fields left out of each hit (the 1000-entry timeline of a session). */
  excludes?: readonly string[];
}

/**
 * One page's search. It asks for one hit more than the page holds: that hit tells whether a next page
 * exists without a second request, and is not returned.
 */
export function searchBody(o: SearchBodyOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    query: o.query,
    sort: o.sort,
    size: o.paging.size + 1,
    track_total_hits: true,
  };
  if (o.excludes && o.excludes.length > 0) body._source = { excludes: [...o.excludes] };
  if (o.paging.cursor !== undefined) body.search_after = decodeCursor(o.sort, o.paging.cursor);
  else if (o.paging.page !== undefined) body.from = (o.paging.page - 1) * o.paging.size;
  return body;
}

/** Fields of a session that lists leave out: the timeline (up to 1000 entries) and its event ids. */
export const SESSION_LIST_EXCLUDES = ['timeline', 'evidence', 'logon_ids'] as const;
