// The auditors' filters become the Elasticsearch queries they mean; lists export as CSV a spreadsheet reads.
import { describe, expect, it } from 'vitest';
import {
  approvalsQuery,
  auditLogQuery,
  decodeCursor,
  encodeCursor,
  findingsQuery,
  searchBody,
  sessionsQuery,
  sessionsSort,
} from '../../processors/audit/build.ts';
import { UTF8_BOM } from '../../processors/audit/csv.ts';
import {
  ApprovalListQuery,
  FindingListQuery,
  issueList,
  SessionFilter,
  SessionListQuery,
} from '../../processors/audit/filters.ts';
import type { SessionSummary } from '../../processors/audit/query.ts';
import { displayTime, parseBound } from '../../processors/audit/times.ts';
import { csvChunks, SESSION_CSV } from '../../processors/audit/views.ts';

const sessions = (filter: Record<string, unknown>) => sessionsQuery(SessionFilter.parse(filter));
const NOT_MERGED = { term: { status: 'merged' } };

describe('session filters', () => {
  it('with no filter, every session except merged duplicates', () => {
    expect(sessions({})).toEqual({ bool: { must_not: [NOT_MERGED] } });
  });

  it.each([
    ['vendor', 'vendor-a', { term: { vendor: 'vendor-a' } }],
    ['operator', 'op-yamada', { term: { operator: 'op-yamada' } }],
    ['approval', 'R-1', { term: { approval_id: 'R-1' } }],
    ['rule', 'file_transfer', { term: { 'findings.rule': 'file_transfer' } }],
    ['has_findings', 'true', { exists: { field: 'findings.id' } }],
  ])('%s=%s filters on the session field', (name, value, clause) => {
    expect(sessions({ [name]: value })).toEqual({ bool: { filter: [clause], must_not: [NOT_MERGED] } });
  });

  it('an account matches as sessions store it: lower-case, without domain', () => {
    expect(sessions({ account: 'CITY\\Vnd_Yamada' })).toEqual({
      bool: { filter: [{ term: { accounts: 'vnd_yamada' } }], must_not: [NOT_MERGED] },
    });
  });

  it('a host matches a target or the jump terminal, any case, short name or FQDN', () => {
    const query = sessions({ host: 'FILESV01' }) as { bool: { filter: unknown[] } };
    expect(query.bool.filter).toEqual([
      {
        bool: {
          minimum_should_match: 1,
          should: [
            { term: { targets: { value: 'FILESV01', case_insensitive: true } } },
            { prefix: { targets: { value: 'FILESV01.', case_insensitive: true } } },
            { term: { jump_host: { value: 'FILESV01', case_insensitive: true } } },
            { prefix: { jump_host: { value: 'FILESV01.', case_insensitive: true } } },
          ],
        },
      },
    ]);
  });

  it('has_findings=false keeps sessions without any finding', () => {
    expect(sessions({ has_findings: 'false' })).toEqual({
      bool: { must_not: [{ exists: { field: 'findings.id' } }, NOT_MERGED] },
    });
  });

  it('status picks open or closed; merged ones only when asked for, any shows all', () => {
    expect(sessions({ status: 'open' })).toEqual({ bool: { filter: [{ term: { status: 'open' } }] } });
    expect(sessions({ status: 'merged' })).toEqual({ bool: { filter: [{ term: { status: 'merged' } }] } });
    expect(sessions({ status: 'any' })).toEqual({ match_all: {} });
  });

  it('a time range selects sessions overlapping it; an open session reaches up to now', () => {
    const query = sessions({ from: '2026-11-01', to: '2026-11-30' }) as { bool: { filter: unknown[] } };
    expect(query.bool.filter).toEqual([
      { range: { start: { lt: '2026-11-30T15:00:00.000Z' } } },
      {
        bool: {
          should: [
            { range: { end: { gte: '2026-10-31T15:00:00.000Z' } } },
            { bool: { must_not: [{ exists: { field: 'end' } }] } },
          ],
          minimum_should_match: 1,
        },
      },
    ]);
  });
});

describe('finding, approval and audit-log filters', () => {
  const findings = (q: Record<string, unknown>) => findingsQuery(FindingListQuery.parse(q));
  const NOT_WITHDRAWN = { term: { status: 'withdrawn' } };

  it.each([
    ['rule', 'out_of_window', { term: { rule: 'out_of_window' } }],
    ['severity', 'high', { term: { severity: 'high' } }],
    ['vendor', 'vendor-a', { term: { vendor: 'vendor-a' } }],
    ['session', 's-1', { term: { session_id: 's-1' } }],
    ['approval', 'R-1', { term: { approval_id: 'R-1' } }],
    ['disposition', 'resolved', { term: { 'disposition.status': 'resolved' } }],
  ])('finding %s=%s', (name, value, clause) => {
    expect(findings({ [name]: value })).toEqual({ bool: { filter: [clause], must_not: [NOT_WITHDRAWN] } });
  });

  it('withdrawn findings are hidden unless asked for', () => {
    expect(findings({})).toEqual({ bool: { must_not: [NOT_WITHDRAWN] } });
    expect(findings({ status: 'withdrawn' })).toEqual({ bool: { filter: [NOT_WITHDRAWN] } });
    expect(findings({ status: 'any' })).toEqual({ match_all: {} });
  });

  it('an open disposition includes findings nobody has dispositioned yet', () => {
    expect(findings({ disposition: 'open', status: 'any' })).toEqual({
      bool: {
        filter: [
          {
            bool: {
              should: [
                { term: { 'disposition.status': 'open' } },
                { bool: { must_not: [{ exists: { field: 'disposition.status' } }] } },
              ],
              minimum_should_match: 1,
            },
          },
        ],
      },
    });
  });

  it('finding times are the finding’s own time, from inclusive, to exclusive', () => {
    expect(findings({ status: 'any', from: '2026-11-24T00:00:00Z', to: '2026-11-25 09:00' })).toEqual({
      bool: {
        filter: [
          { range: { '@timestamp': { gte: '2026-11-24T00:00:00.000Z', lt: '2026-11-25T00:00:00.000Z' } } },
        ],
      },
    });
  });

  it('approvals: vendor, status, and a window overlapping the period', () => {
    expect(
      approvalsQuery(ApprovalListQuery.parse({ vendor: 'vendor-a', status: 'approved', from: '2026-11-24' })),
    ).toEqual({
      bool: {
        filter: [
          { term: { vendor: 'vendor-a' } },
          { term: { status: 'approved' } },
          { range: { 'window.end': { gt: '2026-11-23T15:00:00.000Z' } } },
        ],
      },
    });
  });

  it('audit log: who and what', () => {
    expect(auditLogQuery({ who: 'kansa', action: 'list_sessions' })).toEqual({
      bool: { filter: [{ term: { who: 'kansa' } }, { term: { action: 'list_sessions' } }] },
    });
  });
});

describe('sorting and paging', () => {
  it('start descending by default, ties broken by id so that no page skips or repeats a session', () => {
    const q = SessionListQuery.parse({});
    expect(sessionsSort(q.sort, q.order)).toEqual([{ start: { order: 'desc' } }, { id: { order: 'asc' } }]);
  });

  it('open sessions sort as not yet ended, with a value a cursor can carry', () => {
    const [end] = sessionsSort('end', 'desc');
    expect(end).toEqual({ end: { order: 'desc', missing: 253402300799000 } });
    expect(Number.isSafeInteger(end?.end?.missing)).toBe(true);
  });

  it('a page asks for one more hit than it shows, with exact totals and without the timeline', () => {
    const sort = sessionsSort('start', 'desc');
    const body = searchBody({
      query: { match_all: {} },
      sort,
      paging: { size: 20, page: 3, order: 'desc' },
      excludes: ['timeline'],
    });
    expect(body).toMatchObject({
      size: 21,
      from: 40,
      track_total_hits: true,
      _source: { excludes: ['timeline'] },
    });
  });

  it('a cursor resumes after the last hit, and only for the sort it came from', () => {
    const sort = sessionsSort('start', 'desc');
    const cursor = encodeCursor(sort, [1764000000000, 's-abc']);
    expect(searchBody({ query: {}, sort, paging: { size: 5, cursor, order: 'desc' } }).search_after).toEqual([
      1764000000000,
      's-abc',
    ]);
    expect(() => decodeCursor(sessionsSort('vendor', 'desc'), cursor)).toThrow(/another sort/);
    expect(() => decodeCursor(sort, 'not-a-cursor')).toThrow(/not a cursor/);
  });

  it('bad queries are refused with each problem named', () => {
    const result = SessionListQuery.safeParse({ size: '0', status: 'gone', from: '2026-13-01', bogus: 1 });
    if (result.success) throw new Error('the query should have been refused');
    const issues = issueList(result.error).join('\n');
    expect(issues).toMatch(/size/);
    expect(issues).toMatch(/status/);
    expect(issues).toMatch(/from: "2026-13-01" is not a calendar date/);
    expect(issues).toMatch(/bogus/);
    expect(SessionListQuery.safeParse({ page: '2', cursor: 'x' }).success).toBe(false);
    expect(SessionListQuery.safeParse({ page: '201', size: '50' }).success).toBe(false);
  });
});

describe('times', () => {
  it('a bare date is a day in Tokyo; as an upper bound, the whole of it', () => {
    expect(parseBound('2026-11-24', 'from')).toEqual({ ok: true, value: '2026-11-23T15:00:00.000Z' });
    expect(parseBound('2026-11-24', 'to')).toEqual({ ok: true, value: '2026-11-24T15:00:00.000Z' });
    expect(parseBound('2026-12-31', 'to')).toEqual({ ok: true, value: '2026-12-31T15:00:00.000Z' });
    expect(parseBound('2026-11-24T09:00:00Z', 'from')).toEqual({
      ok: true,
      value: '2026-11-24T09:00:00.000Z',
    });
  });

  it('instants show on the Tokyo clock', () => {
    expect(displayTime('2026-11-24T15:30:00.000Z')).toBe('2026-11-25 00:30:00');
    expect(displayTime(undefined)).toBe('');
  });
});

describe('CSV of a list', () => {
  const session = {
    id: 's-1',
    status: 'closed',
    start: '2026-11-24T00:00:00.000Z',
    end: '2026-11-24T01:30:00.000Z',
    last_seen: '2026-11-24T01:30:00.000Z',
    established: true,
    layers: ['vpn', 'jump'],
    coverage_gaps: ['gateway'],
    vendor: 'vendor-a',
    operator: 'op-yamada',
    accounts: ['山田', 'vnd_yamada'],
    source: { ip: '203.0.113.5' },
    addresses: [],
    targets: ['FILESV01', 'DB "main", 2'],
    bytes_in: 10,
    bytes_out: 20,
    duration_s: 5400,
    auth_failures: 0,
    late: false,
    truncated: 0,
    findings: [
      { id: 'f-1', fingerprint: 'x', rule: 'file_transfer', severity: 'high' },
      { id: 'f-2', fingerprint: 'y', rule: 'file_transfer', severity: 'high', subject: 'b' },
    ],
    notices: [],
    updated_at: '2026-11-24T01:30:00.000Z',
  } as unknown as SessionSummary;

  async function text(pages: SessionSummary[][]): Promise<string> {
    async function* source() {
      let fetched = 0;
      for (const items of pages) {
        fetched += items.length;
        yield { items, fetched, total: 2 };
      }
    }
    let out = '';
    for await (const chunk of csvChunks(SESSION_CSV, source())) out += chunk;
    return out;
  }

  it('starts with the BOM and the header, shows Tokyo times, keeps Japanese and quotes what needs it', async () => {
    const csv = await text([[session], [{ ...session, id: 's-2' }]]);
    expect(csv.startsWith(`${UTF8_BOM}id,status,start_jst,end_jst,`)).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(
      's-1,closed,2026-11-24 09:00:00,2026-11-24 10:30:00,5400,vendor-a,op-yamada,山田;vnd_yamada',
    );
    expect(lines[1]).toContain('"FILESV01;DB ""main"", 2"');
    expect(lines[1]).toContain(',file_transfer,');
    expect(lines[2]?.startsWith('s-2,')).toBe(true);
  });

  it('an empty list is still a header', async () => {
    expect(await text([])).toBe(`${UTF8_BOM}${SESSION_CSV.header.join(',')}\r\n`);
  });
});
