// The monthly usage report (様式第3号 ledger, 様式第4号 summary) of a month worked out by hand
// (test/support/sample-month.ts), and its CSV and HTML renderings.
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../collectors/ledger/csv.ts';
import { parseRegistryYaml } from '../../collectors/ledger/registry-yaml.ts';
import { registryEntityId } from '../../model/ids.ts';
import {
  buildMonthlyReport,
  MonthlyReportInputError,
  monthPeriod,
  renderMonthlyReportCsv,
  renderMonthlyReportHtml,
  reportLang,
  type MonthlyReportInput,
} from '../../processors/audit/report/index.ts';
import {
  EXPECTED_LEDGER,
  EXPECTED_SUMMARY,
  SAMPLE_APPROVALS,
  SAMPLE_AS_OF,
  SAMPLE_FINDINGS,
  SAMPLE_MONTH,
  SAMPLE_SESSIONS,
  sampleRegistry,
} from '../support/sample-month.ts';

const input = (overrides: Partial<MonthlyReportInput> = {}): MonthlyReportInput => ({
  month: SAMPLE_MONTH,
  asOf: SAMPLE_AS_OF,
  sessions: SAMPLE_SESSIONS,
  findings: SAMPLE_FINDINGS,
  approvals: SAMPLE_APPROVALS,
  registry: sampleRegistry(),
  ...overrides,
});

const cellsOf = (csv: string) => parseCsv(csv.replace(/^\uFEFF/, '')).records.map((r) => r.cells);

describe('monthly report: which sessions and findings count', () => {
  const report = buildMonthlyReport(input());

  it('the month is the Asia/Tokyo calendar month', () => {
    expect(monthPeriod('2026-11')).toEqual({
      start: '2026-10-31T15:00:00.000Z',
      end: '2026-11-30T15:00:00.000Z',
    });
    expect(monthPeriod('2026-12')).toEqual({
      start: '2026-11-30T15:00:00.000Z',
      end: '2026-12-31T15:00:00.000Z',
    });
    expect(report.period).toEqual(monthPeriod('2026-11'));
  });

  it('every ledger row is the hand-computed one', () => {
    expect(report.ledger).toEqual(EXPECTED_LEDGER);
  });

  it('every summary figure is the hand-computed one', () => {
    expect(report.summary).toEqual(EXPECTED_SUMMARY);
  });

  it('a session belongs to the month it starts in (Japan time) and is counted whole there', () => {
    const ids = report.ledger.map((r) => r.session_id);
    expect(ids).toContain('s0'); // 11/01 00:05 JST, 10/31 in UTC
    expect(ids).not.toContain('s-oct'); // 10/31 23:50 JST, ends in November
    const monthEnd = report.ledger.find((r) => r.session_id === 's4');
    expect(monthEnd?.minutes).toBe(120);
    expect(buildMonthlyReport(input({ month: '2026-12' })).ledger).toEqual([]);
  });

  it('merged sessions and their findings are left out; withdrawn findings are no violations', () => {
    expect(report.ledger.map((r) => r.session_id)).not.toContain('s5');
    expect(report.summary.by_rule.map((r) => r.rule)).not.toContain('shared_account');
    expect(report.ledger.find((r) => r.session_id === 's1')?.findings).toEqual([]);
  });

  it('an open session has no end and runs up to asOf, rounded up to the started minute', () => {
    const open = report.ledger.find((r) => r.session_id === 's6');
    expect(open).toMatchObject({ state: 'open', end: '', minutes: 76, out_of_window_minutes: 46 });
    const later = buildMonthlyReport(input({ asOf: '2026-11-28T10:30:00Z' }));
    expect(later.ledger.find((r) => r.session_id === 's6')).toMatchObject({
      minutes: 120,
      out_of_window_minutes: 90,
    });
  });

  it('the summary adds up the rows exactly', () => {
    const sum = (pick: (r: (typeof report.ledger)[number]) => number) =>
      report.ledger.reduce((n, r) => n + pick(r), 0);
    expect(report.summary.minutes).toBe(sum((r) => r.minutes));
    expect(report.summary.out_of_window_minutes).toBe(sum((r) => r.out_of_window_minutes));
    expect(report.summary.findings).toBe(sum((r) => r.finding_count));
  });

  it('a revoked approval covers nothing from its revocation on', () => {
    const approvals = SAMPLE_APPROVALS.map((a) =>
      a.id === 'A-001' ? { ...a, status: 'revoked' as const, revoked_at: '2026-11-05T02:15:00Z' } : a,
    );
    const s1 = buildMonthlyReport(input({ approvals })).ledger.find((r) => r.session_id === 's1');
    expect(s1?.out_of_window_minutes).toBe(30);
  });

  it('a session whose approval is not on record counts whole as outside', () => {
    const approvals = SAMPLE_APPROVALS.filter((a) => a.id !== 'A-001');
    const s1 = buildMonthlyReport(input({ approvals })).ledger.find((r) => r.session_id === 's1');
    expect(s1).toMatchObject({ approval_id: 'A-001', purpose: '', out_of_window_minutes: 90 });
  });
});

describe('monthly report: vendor and system', () => {
  it('a vendor by registered name or id', () => {
    const byName = buildMonthlyReport(input({ vendor: '北見データサービス' }));
    expect(byName.ledger.map((r) => r.session_id)).toEqual(['s3', 's6', 's4']);
    expect(byName.vendor).toEqual({ query: '北見データサービス', name: '北見データサービス' });
    expect(byName.summary).toMatchObject({
      sessions: 3,
      minutes: 221,
      out_of_window_minutes: 101,
      findings: 4,
    });
    const byId = buildMonthlyReport(input({ vendor: 'vendor-a' }));
    expect(byId.ledger.map((r) => r.session_id)).toEqual(['s0', 's1', 's2']);
    expect(byId.vendor?.name).toBe('株式会社サンプル保守');
  });

  it('a system is found from its hosts: first label, any case, or the address', () => {
    const juki = buildMonthlyReport(input({ system: '住民記録システム' }));
    // s0 JUKI-AP01, s1 juki-ap01.city.local, s3 10.20.1.10, s6 JUKI-AP01
    expect(juki.ledger.map((r) => r.session_id)).toEqual(['s0', 's1', 's3', 's6']);
    expect(buildMonthlyReport(input({ system: 'sys-zaimu' })).ledger.map((r) => r.session_id)).toEqual([
      's2',
      's4',
    ]);
  });

  it('a server no system lists stands for itself', () => {
    const report = buildMonthlyReport(input({ system: 'filesv02' }));
    expect(report.ledger.map((r) => r.session_id)).toEqual(['s2']);
    expect(report.ledger[0]?.systems).toEqual(['財務会計システム', 'FILESV02']);
  });

  it('vendor and system together', () => {
    const report = buildMonthlyReport(input({ vendor: 'vendor-b', system: '財務会計システム' }));
    expect(report.ledger.map((r) => r.session_id)).toEqual(['s4']);
    expect(report.summary.by_rule).toEqual([
      { rule: 'overlong_session', total: 1, open: 1, acknowledged: 0, false_positive: 0, resolved: 0 },
    ]);
  });

  it('the registry YAML names systems with their hosts', () => {
    const { records, errors } = parseRegistryYaml(
      'systems:\n  - { id: sys-juki, name: 住民記録システム, hosts: [JUKI-AP01, 10.20.1.10] }\n  - { id: bad }\n',
    );
    expect(records).toEqual([
      { kind: 'system', id: 'sys-juki', name: '住民記録システム', hosts: ['JUKI-AP01', '10.20.1.10'] },
    ]);
    expect(records.map(registryEntityId)).toEqual(['system:sys-juki']);
    expect(errors.map((e) => e.path)).toEqual(['systems[1].name']);
  });
});

describe('monthly report: bad input', () => {
  it('a month that is not YYYY-MM, or an asOf that is not a time, is a clear error', () => {
    expect(() => buildMonthlyReport(input({ month: '2026-13' }))).toThrow(MonthlyReportInputError);
    expect(() => buildMonthlyReport(input({ month: '2026/11' }))).toThrow(/not a month \(expected YYYY-MM/);
    expect(() => buildMonthlyReport(input({ asOf: 'yesterday' }))).toThrow(/asOf "yesterday" is not a date/);
    expect(() => reportLang('fr')).toThrow(MonthlyReportInputError);
  });
});

describe('monthly report as CSV', () => {
  const report = buildMonthlyReport(input());
  const { ledger, summary } = renderMonthlyReportCsv(report, 'ja');

  it('both files start with the UTF-8 BOM and carry Japanese headers', () => {
    expect(
      ledger.startsWith('\uFEFF日付,事業者,作業者,アカウント,作業目的,システム,開始日時,終了日時,'),
    ).toBe(true);
    expect(summary.startsWith('\uFEFFリモート保守 月次報告（様式第4号）\r\n')).toBe(true);
  });

  it('the ledger survives a round trip through the CSV reader', () => {
    const rows = cellsOf(ledger);
    expect(rows[0]).toEqual([
      '日付',
      '事業者',
      '作業者',
      'アカウント',
      '作業目的',
      'システム',
      '開始日時',
      '終了日時',
      '利用時間（分）',
      '申請時間外（分）',
      '申請番号',
      '指摘事項',
      '指摘件数',
      '状態',
      'セッションID',
    ]);
    expect(rows).toHaveLength(1 + EXPECTED_LEDGER.length);
    expect(rows[3]).toEqual([
      '2026-11-10',
      '株式会社サンプル保守',
      '佐藤花子',
      'vnd_sato',
      'ログ調査 <緊急>, "障害"',
      '財務会計システム;FILESV02',
      '2026-11-10 14:30',
      '2026-11-10 15:40',
      '70',
      '40',
      'A-002',
      'ファイル転送×2;長時間接続×1',
      '3',
      '終了',
      's2',
    ]);
    expect(rows[5]?.slice(6, 10)).toEqual(['2026-11-28 17:30', '', '76', '46']);
    expect(rows[5]?.[13]).toBe('継続中');
    expect(rows[1]?.[10]).toBe(''); // no approval: empty 申請番号
  });

  it('the summary carries the figures, the findings by disposition and the vendors', () => {
    const rows = cellsOf(summary);
    const value = (label: string) => rows.find((r) => r[0] === label)?.slice(1);
    expect(value('対象月')).toEqual(['2026-11']);
    expect(value('事業者')).toEqual(['全事業者']);
    expect(value('作成日時')).toEqual(['2026-11-28 18:45 (日本時間)']);
    expect(value('接続件数')).toEqual(['6']);
    expect(value('うち継続中')).toEqual(['1']);
    expect(value('うち申請なし')).toEqual(['2']);
    expect(value('利用時間合計（分）')).toEqual(['412']);
    expect(value('申請時間外の利用時間（分）')).toEqual(['172']);
    expect(value('指摘事項')).toEqual(['件数', '未対応', '確認済', '誤検知', '対応済']);
    expect(value('申請時間外の接続')).toEqual(['3', '2', '0', '0', '1']);
    expect(value('踏み台を経由しない接続')).toEqual(['1', '0', '0', '1', '0']);
    expect(rows.filter((r) => r[0] === '合計')).toEqual([
      ['合計', '8', '4', '1', '1', '2'],
      ['合計', '6', '412', '172', '8'],
    ]);
    expect(value('株式会社サンプル保守')).toEqual(['3', '191', '71', '4']);
    expect(value('北見データサービス')).toEqual(['3', '221', '101', '4']);
  });

  it('English labels on request', () => {
    const en = renderMonthlyReportCsv(report, 'en');
    expect(cellsOf(en.ledger)[0]?.slice(0, 3)).toEqual(['date', 'vendor', 'operator']);
    expect(cellsOf(en.ledger)[5]?.[13]).toBe('open');
    expect(cellsOf(en.ledger)[3]?.[11]).toBe('file_transfer×2;overlong_session×1');
    const rows = cellsOf(en.summary);
    expect(rows[0]).toEqual(['Remote maintenance monthly report (Form 4)']);
    expect(rows.find((r) => r[0] === 'total minutes')).toEqual(['total minutes', '412']);
    // Names stay as registered.
    expect(rows.find((r) => r[0] === '北見データサービス')).toBeDefined();
  });
});

describe('monthly report as a printable page', () => {
  const report = buildMonthlyReport(input({ vendor: 'vendor-a' }));
  const html = renderMonthlyReportHtml(report, 'ja');

  it('escapes what it prints', () => {
    expect(html).toContain('ログ調査 &lt;緊急&gt;, &quot;障害&quot;');
    expect(html).not.toContain('<緊急>');
    const hostile = buildMonthlyReport(input({ vendor: '<script>alert(1)</script>' }));
    expect(renderMonthlyReportHtml(hostile)).not.toContain('<script>');
  });

  it('is one A4 page set with both forms, the month, the vendor and the time it was made', () => {
    expect(html).toMatch(/@page \{ size: A4 landscape;/);
    expect(html).toContain('thead { display: table-header-group; }');
    expect(html).toContain('"Noto Sans CJK JP"');
    expect(html).toContain('リモート保守 利用台帳（様式第3号）');
    expect(html).toContain('リモート保守 月次報告（様式第4号）');
    expect(html).toContain('<dd>2026-11</dd>');
    expect(html).toContain('<dd>株式会社サンプル保守</dd>');
    expect(html).toContain('<dd>全システム</dd>');
    expect(html).toContain('2026-11-28 18:45 (日本時間)');
    // Self-contained: nothing fetched.
    expect(html).not.toMatch(/<(script|link|img)\b|src=|href=/);
  });

  it('English labels on request', () => {
    const en = renderMonthlyReportHtml(report, 'en');
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('Remote maintenance usage ledger (Form 3)');
    expect(en).toContain('Remote maintenance monthly report (Form 4)');
    expect(en).not.toContain('様式第3号');
  });

  it('a month without sessions says so', () => {
    const empty = renderMonthlyReportHtml(buildMonthlyReport(input({ month: '2027-01' })));
    expect(empty).toContain('該当する接続はありません。');
  });
});
