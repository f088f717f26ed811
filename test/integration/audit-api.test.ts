// The audit API and CLI against a real Elasticsearch (and Kafka for freezes): driven with curl, checked
// with kcat and the audit index. Each filter returns exactly the sessions it names; pages and cursors walk
// the whole list; a timeline shows every layer's events in time order with their raw lines; CSV exports
// stream every page with a BOM and intact Japanese; roles decide who may disposition and freeze; and every
// call is in the audit log.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexName } from '../../infra/index-templates.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { startAuditApi, type AuditApi } from '../../processors/audit/api.ts';
import { UTF8_BOM } from '../../processors/audit/csv.ts';
import { AuditSettings } from '../../processors/audit/settings.ts';
import { AUDIT_SCENARIO as A, seedAuditScenario, seedManySessions } from '../support/audit.ts';
import {
  createHarness,
  curlApi,
  kcat,
  rmwatch,
  setupNamespace,
  type ApiAnswer,
  type Harness,
} from '../support/harness.ts';

const AUDITOR = 'auditor-token-0123456789abcdef';
const SECURITY = 'security-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
let h: Harness;
let api: AuditApi;

beforeAll(async () => {
  h = createHarness('audit');
  await setupNamespace(h);
  await seedAuditScenario(h);
  const audit = AuditSettings.parse({
    http: { host: '127.0.0.1', port: 0 },
    tokens: [
      { name: 'kansa-auditor', token: AUDITOR, role: 'auditor' },
      { name: 'security-office', token: SECURITY, role: 'security' },
      { name: 'joho-admin', token: ADMIN, role: 'admin' },
    ],
    // Small export pages, so that an export of a few dozen rows already spans several requests.
    exportPageSize: 10,
  });
  api = await startAuditApi({ ...h.config, audit }, h.store, h.bus, h.log);
});
afterAll(async () => {
  await api?.close();
  await h.cleanup();
});

/** curl, as any client of the API calls it (test/support/harness.ts); a body is sent as JSON. */
const call = (method: string, path: string, options: { token?: string; body?: unknown } = {}) =>
  curlApi(`${api.url}${path}`, method, {
    token: options.token,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
const get = (path: string, token = AUDITOR) => call('GET', path, { token });

const ids = (answer: ApiAnswer): string[] => (answer.body.items as { id: string }[]).map((s) => s.id);
const S = A.sessions;

describe('sessions', () => {
  it('every session but merged duplicates, newest first, with an exact total and no timeline', async () => {
    const answer = await get('/sessions');
    expect(answer.status).toBe(200);
    expect(ids(answer)).toEqual([S.tanaka, S.sato, S.yamada, S.kato]);
    expect(answer.body.total).toBe(4);
    expect(answer.body.next_cursor).toBeUndefined();
    for (const s of answer.body.items) {
      expect(s).not.toHaveProperty('timeline');
      expect(s).not.toHaveProperty('evidence');
    }
  });

  it.each([
    ['vendor=vendor-a', [S.sato, S.yamada]],
    ['operator=op-kato', [S.kato]],
    ['account=CITY%5CVND_YAMADA', [S.yamada]],
    [`account=${encodeURIComponent('田中')}`, [S.tanaka]],
    ['host=filesv01', [S.yamada]],
    ['host=JUMP01', [S.sato, S.yamada, S.kato]],
    [`approval=${A.approvals.a}`, [S.sato, S.yamada]],
    ['rule=file_transfer', [S.sato]],
    ['rule=shared_account', [S.tanaka]],
    ['has_findings=true', [S.tanaka, S.sato, S.kato]],
    ['has_findings=false', [S.yamada]],
    ['status=open', [S.tanaka]],
    ['status=closed', [S.sato, S.yamada, S.kato]],
    ['status=merged', [S.merged]],
    ['status=any', [S.tanaka, S.merged, S.sato, S.yamada, S.kato]],
    ['from=2026-11-24&to=2026-11-24', [S.sato, S.yamada]],
    ['from=2026-11-25', [S.tanaka]],
    ['to=2026-11-21', [S.kato]],
    ['from=2026-11-24T01:00:00Z&to=2026-11-24%2011:30', [S.sato, S.yamada]],
    ['vendor=vendor-b&has_findings=true&status=closed', [S.kato]],
  ])('%s', async (query, expected) => {
    const answer = await get(`/sessions?${query}`);
    expect(answer.status).toBe(200);
    expect(ids(answer)).toEqual(expected);
    expect(answer.body.total).toBe(expected.length);
  });

  it.each([
    ['sort=end&order=desc', [S.tanaka, S.sato, S.yamada, S.kato]],
    ['sort=end&order=asc', [S.kato, S.yamada, S.sato, S.tanaka]],
    ['sort=duration&order=asc', [S.kato, S.yamada, S.sato, S.tanaka]],
    ['sort=vendor&order=asc', [S.sato, S.yamada, S.kato, S.tanaka]],
    ['sort=start&order=asc', [S.kato, S.yamada, S.sato, S.tanaka]],
  ])('sorted: %s', async (query, expected) => {
    expect(ids(await get(`/sessions?${query}`))).toEqual(expected);
  });

  it('bad filters are refused with each problem named', async () => {
    const answer = await get('/sessions?status=gone&from=yesterday&size=9999&colour=red');
    expect(answer.status).toBe(400);
    const issues = (answer.body.issues as string[]).join('\n');
    expect(issues).toMatch(/status/);
    expect(issues).toMatch(/from: "yesterday" is not a date/);
    expect(issues).toMatch(/size/);
    expect(issues).toMatch(/colour/);
  });

  it('one session with its findings, withdrawn ones included', async () => {
    const answer = await get(`/sessions/${S.yamada}`);
    expect(answer.status).toBe(200);
    expect(answer.body.session.id).toBe(S.yamada);
    expect(answer.body.session).not.toHaveProperty('timeline');
    expect(answer.body.findings.map((f: { id: string }) => f.id)).toEqual([A.findings.withdrawn]);
    expect((await get('/sessions/s-nonexistent')).status).toBe(404);
  });
});

describe('timeline', () => {
  it('every event across the layers in time order, each with its raw line', async () => {
    const answer = await get(`/sessions/${S.yamada}/timeline`);
    expect(answer.status).toBe(200);
    const lines = answer.body.lines as {
      id: string;
      layer: string;
      indexed: boolean;
      raw: { available: boolean; text?: string; base64?: string; reason?: string; peer?: string };
    }[];
    expect(lines.map((l) => [l.id, l.layer])).toEqual([
      [A.events.vpnStart, 'vpn'],
      [A.events.gateway, 'gateway'],
      [A.events.jumpLogon, 'jump'],
      [A.events.targetLogon, 'target'],
      [A.events.vpnEnd, 'vpn'],
    ]);
    const [vpn, gateway, jump, target, end] = lines;
    expect(vpn?.raw).toMatchObject({ available: true, peer: '192.0.2.1' });
    expect(vpn?.raw.text).toContain('AnyConnect parent session started');
    expect(gateway?.raw.text).toContain('接続しました');
    // Shift_JIS bytes: kept as base64, shown decoded.
    expect(jump?.raw.text).toBe(A.shiftJisText);
    expect(Buffer.from(jump?.raw.base64 ?? '', 'base64').toString('hex')).toBe(
      Buffer.from(A.raw.jumpLogon.raw_base64 ?? '', 'base64').toString('hex'),
    );
    expect(target?.raw).toMatchObject({ available: false, id: A.raw.missing });
    expect(end).toMatchObject({ indexed: false, raw: { available: false } });
  });

  it('as CSV, with Tokyo times and the raw lines', async () => {
    const answer = await get(`/sessions/${S.yamada}/timeline?format=csv`);
    expect(answer.status).toBe(200);
    expect(answer.text.startsWith(UTF8_BOM)).toBe(true);
    expect(answer.text).toContain('2026-11-24 09:12:00,jump,rdp_logon');
    expect(answer.text).toContain(A.shiftJisText);
  });
});

describe('findings and approvals', () => {
  const findingIds = (answer: ApiAnswer) => (answer.body.items as { id: string }[]).map((f) => f.id).sort();

  it('active findings by default; filters by rule, severity, vendor, session, approval, status and time', async () => {
    const F = A.findings;
    expect(findingIds(await get('/findings'))).toEqual(
      [F.transfer, F.outOfWindow, F.overlong, F.shared].sort(),
    );
    expect(findingIds(await get('/findings?status=any'))).toHaveLength(5);
    expect(findingIds(await get('/findings?status=withdrawn'))).toEqual([F.withdrawn]);
    expect(findingIds(await get('/findings?rule=shared_account'))).toEqual([F.shared]);
    expect(findingIds(await get('/findings?severity=medium'))).toEqual([F.overlong]);
    expect(findingIds(await get('/findings?vendor=vendor-b'))).toEqual([F.outOfWindow, F.shared].sort());
    expect(findingIds(await get(`/findings?session=${S.sato}`))).toEqual([F.overlong, F.transfer].sort());
    expect(findingIds(await get(`/findings?approval=${A.approvals.b}`))).toEqual([F.shared]);
    expect(findingIds(await get('/findings?from=2026-11-24&to=2026-11-24'))).toEqual(
      [F.overlong, F.transfer].sort(),
    );
    expect(findingIds(await get('/findings?disposition=open'))).toHaveLength(4);
  });

  it('a finding with its evidence events and their raw lines', async () => {
    const answer = await get(`/findings/${A.findings.transfer}`);
    expect(answer.status).toBe(200);
    expect(answer.body.finding.disposition).toEqual({ status: 'open' });
    expect(answer.body.evidence).toHaveLength(1);
    expect(answer.body.evidence[0].raw.text).toContain('持ち出し.xlsx');
    const listed = await get(`/findings?session=${S.sato}&evidence=true`);
    const transfer = listed.body.items.find((f: { id: string }) => f.id === A.findings.transfer);
    expect(transfer.evidence_events[0].id).toBe(A.events.share);
  });

  it('findings as CSV: BOM, Tokyo times, Japanese text intact, as a download', async () => {
    const answer = await get('/findings?format=csv');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(answer.headers['content-disposition']).toMatch(
      /^attachment; filename="findings-\d{8}-\d{6}\.csv"$/,
    );
    expect([...answer.raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = answer.text.slice(1).trimEnd().split('\r\n');
    expect(rows).toHaveLength(5);
    expect(rows[0]?.startsWith('id,time_jst,rule,severity,status,disposition')).toBe(true);
    expect(answer.text).toContain('ドライブのリダイレクトでファイル「持ち出し.xlsx」にアクセスしました。');
    expect(answer.text).toContain('2026-11-24 11:30:00,file_transfer,high,active,open');
  });

  it('approvals with the number of their sessions (merged duplicates not counted)', async () => {
    const answer = await get('/approvals?order=asc');
    expect(answer.status).toBe(200);
    expect(
      (answer.body.items as { id: string; session_count: number }[]).map((a) => [a.id, a.session_count]),
    ).toEqual([
      [A.approvals.a, 2],
      [A.approvals.b, 1],
      [A.approvals.none, 0],
    ]);
    expect(ids(await get('/approvals?vendor=vendor-a&status=requested'))).toEqual([A.approvals.none]);
    expect(ids(await get('/approvals?from=2026-11-25&to=2026-11-30'))).toEqual([A.approvals.b]);
  });

  it('an approval with its sessions, earliest first', async () => {
    const answer = await get(`/approvals/${A.approvals.a}`);
    expect(answer.status).toBe(200);
    expect(answer.body.approval.purpose).toBe('定期保守（月次パッチ適用）');
    expect(answer.body.sessions.map((s: { id: string }) => s.id)).toEqual([S.yamada, S.sato]);
    expect((await get('/approvals/R-none')).status).toBe(404);
  });
});

describe('roles, dispositions and freezes', () => {
  it('no token or an unknown one: 401', async () => {
    expect((await call('GET', '/sessions')).status).toBe(401);
    expect((await get('/sessions', 'not-a-token-at-all-0000')).status).toBe(401);
  });

  it('an auditor reads but may not disposition, freeze or read the audit log: 403', async () => {
    const dispose = await call('POST', `/findings/${A.findings.transfer}/disposition`, {
      token: AUDITOR,
      body: { status: 'acknowledged' },
    });
    expect(dispose.status).toBe(403);
    const freeze = await call('POST', '/vendors/vendor-b/freeze', { token: AUDITOR, body: { reason: 'x' } });
    expect(freeze.status).toBe(403);
    expect((await get('/audit-log', AUDITOR)).status).toBe(403);
    expect((await get('/audit-log', SECURITY)).status).toBe(403);
    // Nothing changed.
    expect((await get(`/findings/${A.findings.transfer}`)).body.finding.disposition).toEqual({
      status: 'open',
    });
  });

  it('the security office dispositions a finding; the disposition is stored and shows in the lists', async () => {
    const answer = await call('POST', `/findings/${A.findings.transfer}/disposition`, {
      token: SECURITY,
      body: { status: 'acknowledged', note: '業者に確認済み。再発防止を指示。' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.disposition).toMatchObject({
      status: 'acknowledged',
      by: 'security-office',
      note: '業者に確認済み。再発防止を指示。',
    });
    const stored = await h.store.getDocument(indexName(h.config, 'findings'), A.findings.transfer);
    expect(stored?.disposition).toEqual(answer.body.disposition);
    expect(stored?.message).toBe('ドライブのリダイレクトでファイル「持ち出し.xlsx」にアクセスしました。');
    expect(ids(await get('/findings?disposition=acknowledged'))).toEqual([A.findings.transfer]);
    expect(ids(await get('/findings?disposition=open'))).toHaveLength(3);
  });

  it('a disposition needs a known status and finding', async () => {
    const bad = await call('POST', `/findings/${A.findings.shared}/disposition`, {
      token: SECURITY,
      body: { status: 'ignored' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.join()).toMatch(/status/);
    const missing = await call('POST', '/findings/f-none/disposition', {
      token: SECURITY,
      body: { status: 'resolved' },
    });
    expect(missing.status).toBe(404);
  });

  it('freezing a vendor publishes its record, frozen with reason and time, on rm.registry', async () => {
    const answer = await call('POST', '/vendors/vendor-b/freeze', {
      token: SECURITY,
      body: { reason: 'インシデント対応中（改善確認まで停止）' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      kind: 'vendor',
      id: 'vendor-b',
      name: A.vendorNames.b,
      frozen: true,
    });
    const { stdout } = await kcat(
      ['-C', '-t', topicName(h.config, TOPICS.registry), '-o', 'beginning', '-e', '-q', '-J'],
      h.config,
    );
    const records = stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { key: string; payload: string });
    const latest = records.filter((r) => r.key === 'vendor:vendor-b').at(-1);
    const vendor = JSON.parse(latest?.payload ?? '{}') as Record<string, unknown>;
    expect(vendor).toMatchObject({
      kind: 'vendor',
      id: 'vendor-b',
      name: A.vendorNames.b,
      frozen: true,
      frozen_reason: 'インシデント対応中（改善確認まで停止）',
    });
    expect(vendor.frozen_since).toBe(answer.body.frozen_since);

    const again = await call('POST', '/vendors/vendor-b/freeze', {
      token: SECURITY,
      body: { reason: 'again' },
    });
    expect(again.status).toBe(409);
    expect(
      (await call('POST', '/vendors/vendor-x/freeze', { token: SECURITY, body: { reason: 'x' } })).status,
    ).toBe(404);
    const thawed = await call('POST', '/vendors/vendor-b/unfreeze', {
      token: ADMIN,
      body: { reason: '改善確認' },
    });
    expect(thawed.status).toBe(200);
    expect(thawed.body).toMatchObject({ id: 'vendor-b', frozen: false });
    expect(thawed.body).not.toHaveProperty('frozen_since');
  });
});

describe('paging and exports', () => {
  let bulk: string[];
  beforeAll(async () => {
    bulk = await seedManySessions(h, 'vendor-bulk', 57);
  });

  it('a cursor walks every page once: no session skipped or repeated', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await get(`/sessions?vendor=vendor-bulk&size=20${cursor ? `&cursor=${cursor}` : ''}`);
      expect(answer.status).toBe(200);
      expect(answer.body.total).toBe(57);
      seen.push(...ids(answer));
      cursor = answer.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...bulk].reverse());
  });

  it('pages by number for small lists; a cursor of another sort is refused', async () => {
    const third = await get('/sessions?vendor=vendor-bulk&size=20&page=3&order=asc');
    expect(ids(third)).toEqual(bulk.slice(40));
    expect(third.body.next_cursor).toBeUndefined();
    const first = await get('/sessions?vendor=vendor-bulk&size=20');
    const wrong = await get(`/sessions?vendor=vendor-bulk&size=20&sort=end&cursor=${first.body.next_cursor}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.issues[0]).toMatch(/another sort/);
  });

  it('a CSV export holds every page, not just the first', async () => {
    const answer = await get('/sessions?vendor=vendor-bulk&size=5&format=csv');
    expect(answer.status).toBe(200);
    const rows = answer.text.slice(1).trimEnd().split('\r\n');
    expect(rows).toHaveLength(58);
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual([...bulk].reverse());
  });

  it('rmwatch audit sessions --csv exports through the same query layer, logged as the OS user', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rmwatch-audit-')), 'sessions.csv');
    const out = await rmwatch(
      ['audit', 'sessions', '--vendor', 'vendor-a', '--order', 'asc', '--csv', file],
      h.env,
    );
    expect(out.stderr).toContain(`sessions: 2 rows written to ${file}`);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/page 1, 2 of 2 rows/);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(UTF8_BOM)).toBe(true);
    const rows = text.slice(1).trimEnd().split('\r\n');
    expect(rows.map((r) => r.split(',')[0])).toEqual(['id', S.yamada, S.sato]);
    expect(rows[1]).toContain('2026-11-24 09:10:00,2026-11-24 10:40:00');

    const bad = await rmwatch(['audit', 'sessions', '--status', 'gone'], h.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/status/);

    await h.store.refresh(indexName(h.config, 'audit'));
    const log = await get(`/audit-log?who=cli:${encodeURIComponent(userInfo().username)}`, ADMIN);
    const actions = (
      log.body.items as { action: string; outcome: string; role: string; result_count?: number }[]
    ).map((e) => [e.action, e.outcome, e.role, e.result_count]);
    expect(actions).toContainEqual(['export_sessions', 'ok', 'cli', 2]);
    expect(actions).toContainEqual(['list_sessions', 'invalid', 'cli', undefined]);
  });
});

describe('audit log', () => {
  it('every query and action is on record: who, role, what, when, rows, from where', async () => {
    await h.store.refresh(indexName(h.config, 'audit'));
    const answer = await get('/audit-log?size=500', ADMIN);
    expect(answer.status).toBe(200);
    const entries = answer.body.items as {
      who: string;
      role: string;
      action: string;
      target?: string;
      parameters: Record<string, unknown>;
      outcome: string;
      status: number;
      result_count?: number;
      client: string;
      at: string;
    }[];
    const vendorA = entries.find((e) => e.action === 'list_sessions' && e.parameters.vendor === 'vendor-a');
    expect(vendorA).toMatchObject({
      who: 'kansa-auditor',
      role: 'auditor',
      outcome: 'ok',
      status: 200,
      result_count: 2,
      client: '127.0.0.1',
    });
    expect(Date.parse(vendorA?.at ?? '')).not.toBeNaN();
    expect(entries).toContainEqual(
      expect.objectContaining({
        who: '(no valid token)',
        role: 'none',
        outcome: 'unauthenticated',
        status: 401,
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        who: 'kansa-auditor',
        action: 'dispose_finding',
        target: A.findings.transfer,
        outcome: 'forbidden',
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        who: 'security-office',
        action: 'dispose_finding',
        target: A.findings.transfer,
        outcome: 'ok',
        parameters: { status: 'acknowledged', note: '業者に確認済み。再発防止を指示。' },
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        who: 'security-office',
        action: 'freeze_vendor',
        target: 'vendor-b',
        outcome: 'ok',
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ who: 'kansa-auditor', action: 'export_findings', result_count: 4 }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        who: 'kansa-auditor',
        action: 'session_timeline',
        target: S.yamada,
        result_count: 5,
      }),
    );
    // And it can be exported like any list.
    const csv = await get('/audit-log?format=csv&who=security-office', ADMIN);
    expect(csv.text.startsWith(`${UTF8_BOM}at_jst,who,role,action`)).toBe(true);
    expect(csv.text).toContain('security-office,security,freeze_vendor,vendor-b,ok,200');
  });
});
