// The monthly report read from a real Elasticsearch (the index sink's indices, seeded here as the sink and the
// audit API write them) and printed to PDF by a real headless Chromium, read back with pdftotext.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../../infra/elasticsearch.ts';
import { indexName } from '../../infra/index-templates.ts';
import { registryEntityId } from '../../model/ids.ts';
import { Session } from '../../model/session.ts';
import {
  ChromiumMissingError,
  loadMonthlyReport,
  printPdf,
  renderMonthlyReportHtml,
  type MonthlyReport,
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
import { createHarness, rmwatch, setupNamespace, type Harness } from '../support/harness.ts';
import { startAuditApi, type AuditApi } from '../../processors/audit/api.ts';
import { AuditSettings } from '../../processors/audit/settings.ts';

const run = promisify(execFile);

/** December: more sessions than one search page holds, every other one with a finding. */
const DECEMBER_SESSIONS = 1100;

function decemberSession(i: number): Session {
  const start = new Date(Date.parse('2026-12-10T00:00:00Z') + i * 120_000).toISOString();
  const end = new Date(Date.parse(start) + 60_000).toISOString();
  return Session.parse({
    id: `s-dec-${String(i).padStart(4, '0')}`,
    status: 'closed',
    start,
    end,
    last_seen: end,
    established: true,
    layers: ['vpn'],
    vendor: 'vendor-c',
    accounts: ['vnd_c'],
    updated_at: end,
  });
}

let h: Harness;
beforeAll(async () => {
  h = createHarness('report');
  await setupNamespace(h);
  const index = (kind: Parameters<typeof indexName>[1]) => indexName(h.config, kind);
  const december = Array.from({ length: DECEMBER_SESSIONS }, (_, i) => decemberSession(i));
  const decemberFindings = december
    .filter((_, i) => i % 2 === 0)
    .map((s) => ({ ...SAMPLE_FINDINGS[1], id: `f-${s.id}`, session_id: s.id }));
  const docs: IndexedDocument[] = [
    ...[...SAMPLE_SESSIONS, ...december].map((s) => ({ index: index('sessions'), id: s.id, document: s })),
    // As the sink writes findings: a partial upsert without the disposition, which only the audit API sets.
    ...[...SAMPLE_FINDINGS, ...decemberFindings].map(({ disposition: _, ...finding }) => ({
      index: index('findings'),
      id: finding.id,
      document: finding,
      upsert: true,
    })),
    ...SAMPLE_APPROVALS.map((a) => ({ index: index('approvals'), id: a.id, document: a })),
    ...sampleRegistry().map((r) => {
      const entity = registryEntityId(r);
      return { index: index('registry'), id: entity, document: { ...r, entity_id: entity } };
    }),
  ];
  const result = await h.store.bulkIndex(docs, { refresh: true });
  expect(result.rejected).toEqual([]);
  for (const f of SAMPLE_FINDINGS)
    if (f.disposition.status !== 'open')
      expect(await h.store.updateDocument(index('findings'), f.id, { disposition: f.disposition })).toBe(
        true,
      );
  await h.store.refresh(index('findings'));
});
afterAll(async () => {
  await h?.cleanup();
});

describe('monthly report from Elasticsearch', () => {
  let report: MonthlyReport;
  beforeAll(async () => {
    report = await loadMonthlyReport(h.store, h.config, { month: SAMPLE_MONTH, asOf: SAMPLE_AS_OF });
  });

  it('equals the hand-computed ledger and summary', () => {
    expect(report.unreadable).toBeUndefined();
    expect(report.ledger).toEqual(EXPECTED_LEDGER);
    expect(report.summary).toEqual(EXPECTED_SUMMARY);
  });

  it('filters by vendor and system as the pure report does', async () => {
    const vendorB = await loadMonthlyReport(h.store, h.config, {
      month: SAMPLE_MONTH,
      vendor: '北見データサービス',
      system: '財務会計システム',
      asOf: SAMPLE_AS_OF,
    });
    expect(vendorB.ledger.map((r) => r.session_id)).toEqual(['s4']);
  });

  it('reads months larger than a search page, page by page', async () => {
    const december = await loadMonthlyReport(h.store, h.config, { month: '2026-12', asOf: SAMPLE_AS_OF });
    expect(december.summary).toMatchObject({
      sessions: DECEMBER_SESSIONS,
      minutes: DECEMBER_SESSIONS,
      out_of_window_minutes: DECEMBER_SESSIONS,
      findings: DECEMBER_SESSIONS / 2,
    });
    expect(new Set(december.ledger.map((r) => r.session_id)).size).toBe(DECEMBER_SESSIONS);
    // s4 runs into December but is November's.
    expect(december.ledger.map((r) => r.session_id)).not.toContain('s4');
  });

  it('refuses a month that is not one before reading anything', async () => {
    await expect(loadMonthlyReport(h.store, h.config, { month: '11/2026' })).rejects.toThrow(/not a month/);
  });
});

describe('monthly report as PDF', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rmwatch-report-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('headless Chromium prints both forms with their headings and totals', async () => {
    const report = await loadMonthlyReport(h.store, h.config, { month: SAMPLE_MONTH, asOf: SAMPLE_AS_OF });
    const pdf = await printPdf(renderMonthlyReportHtml(report, 'ja'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const file = join(dir, 'report.pdf');
    await writeFile(file, pdf);
    const { stdout: text } = await run('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-']);
    expect(text).toContain('リモート保守 利用台帳（様式第3号）');
    expect(text).toContain('リモート保守 月次報告（様式第4号）');
    for (const heading of ['利用状況', '指摘事項と対応状況', '事業者別']) expect(text).toContain(heading);
    expect(text).toContain('株式会社サンプル保守');
    expect(text).toMatch(/接続件数\s+6\b/);
    expect(text).toMatch(/利用時間合計（分）\s+412\b/);
    expect(text).toMatch(/申請時間外の利用時間（分）\s+172\b/);
    expect(text).toMatch(/合計\s+8\s+4\s+1\s+1\s+2\b/);
    // The same pages in English.
    const { stdout: english } = await run('pdftotext', [
      '-layout',
      '-enc',
      'UTF-8',
      await writePdf(join(dir, 'report-en.pdf'), renderMonthlyReportHtml(report, 'en')),
      '-',
    ]);
    expect(english).toContain('Remote maintenance monthly report (Form 4)');
    expect(english).toMatch(/total minutes\s+412\b/);
  });

  it('a missing Chromium is a clear error', async () => {
    await expect(printPdf('<p>x</p>', { executablePath: join(dir, 'no-chromium') })).rejects.toThrow(
      ChromiumMissingError,
    );
    await expect(printPdf('<p>x</p>', { executablePath: join(dir, 'no-chromium') })).rejects.toThrow(
      /RMWATCH_CHROMIUM/,
    );
  });
});

async function writePdf(file: string, html: string): Promise<string> {
  await writeFile(file, await printPdf(html));
  return file;
}

describe('monthly report for auditors', () => {
  let dir: string;
  let api: AuditApi | undefined;
  const AUDITOR = 'report-auditor-token';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rmwatch-report-cli-'));
    const audit = AuditSettings.parse({
      http: { host: '127.0.0.1', port: 0 },
      tokens: [{ name: 'kansa', token: AUDITOR, role: 'auditor' }],
    });
    api = await startAuditApi({ ...h.config, audit }, h.store, h.bus, h.log);
  });
  afterAll(async () => {
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('`rmwatch audit report --pdf` prints through the same headless Chromium, with the same totals', async () => {
    const pdf = join(dir, 'cli.pdf');
    const csv = join(dir, 'csv');
    const result = await rmwatch(
      ['audit', 'report', '--month', SAMPLE_MONTH, '--as-of', SAMPLE_AS_OF, '--pdf', pdf, '--csv', csv],
      h.env,
    );
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('6 session(s), 412 min, 172 min out of window');
    const { stdout: text } = await run('pdftotext', ['-layout', '-enc', 'UTF-8', pdf, '-']);
    expect(text).toContain('リモート保守 利用台帳（様式第3号）');
    expect(text).toMatch(/利用時間合計（分）\s+412\b/);
    const ledger = await readFile(join(csv, `usage-ledger-${SAMPLE_MONTH}.csv`));
    expect(ledger.subarray(0, 3).toString('hex')).toBe('efbbbf');
    expect(ledger.toString('utf8')).toContain('株式会社サンプル保守');
  });

  it('the audit API hands the report to an auditor as HTML or CSV, and to no one without a token', async () => {
    const url = (query: string) =>
      `${api?.url}/reports/monthly?month=${SAMPLE_MONTH}&as_of=${SAMPLE_AS_OF}${query}`;
    const auth = { authorization: `Bearer ${AUDITOR}` };
    const html = await fetch(url(''), { headers: auth });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('様式第4号');

    const summary = await fetch(url('&format=csv&form=summary'), { headers: auth });
    const bytes = Buffer.from(await summary.arrayBuffer());
    expect(bytes.subarray(0, 3).toString('hex')).toBe('efbbbf');
    expect(bytes.toString('utf8')).toMatch(/412/);

    expect((await fetch(url(''))).status).toBe(401);
    expect((await fetch(`${api?.url}/reports/monthly?month=2026-13`, { headers: auth })).status).toBe(400);
  });
});
