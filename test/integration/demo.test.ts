// `rmwatch demo --exit` as a newcomer runs it (a child process, in a namespace of this test's own): it plays
// the working day over real syslog and HTTP into the collectors of a real pipeline, and within a few minutes
// the day is there: the sessions of each vendor, each expected violation once, the bad lines in the dead
// letters, the alerts in the alerts log, and the monthly report with its totals.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexName } from '../../infra/index-templates.ts';
import { demoDay } from '../../infra/demo/day.ts';
import { tokyoToday, type DemoSummary } from '../../infra/demo/run.ts';
import { createHarness, curlApi, rmwatch, type Harness, type Output } from '../support/harness.ts';

let h: Harness;
let dir: string;
let run: Output;
let summary: DemoSummary;
const day = demoDay(tokyoToday());

beforeAll(async () => {
  h = createHarness('demo');
  dir = mkdtempSync(join(tmpdir(), 'rmwatch-demo-'));
  run = await rmwatch(['demo', '--exit', '--dir', dir, '--timeout', '150'], h.env);
  summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as DemoSummary;
}, 300_000);

afterAll(async () => {
  await h.cleanup();
});

/** The documents of an index of this namespace, refreshed first. */
async function documents(kind: 'sessions' | 'findings' | 'deadletter'): Promise<Record<string, unknown>[]> {
  await h.store.refresh(`${h.namespace}*`);
  return (await h.store.search(indexName(h.config, kind), { size: 1000 })).hits;
}

describe('rmwatch demo --exit', () => {
  it('finishes by itself with status 0 and a summary naming where everything is', () => {
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    expect(summary.complete).toBe(true);
    expect(summary.namespace).toBe(h.namespace);
    expect(run.stdout).toContain('sessions:');
    expect(run.stdout).toContain('alerts.log');
    expect(run.stdout).toContain(summary.auditApi.token);
    expect(run.stdout).toContain('audit report --month');
  });

  it('shows a progress bar of what it sends on stderr, and sends over UDP, TCP and HTTP', () => {
    expect(run.stderr).toMatch(/\[#+\.*\] +\d+\/\d+ \d\d:\d\d JST/);
    expect(summary.sent.udp).toBeGreaterThan(0);
    expect(summary.sent.tcp).toBeGreaterThan(0);
    expect(summary.sent.http).toBeGreaterThan(0);
    expect(summary.sent.bad).toBe(day.expected.deadLetters);
  });

  it('leaves the sessions of each vendor searchable, all closed', async () => {
    const sessions = (await documents('sessions')).filter((s) => s.status !== 'merged');
    const perVendor: Record<string, number> = {};
    for (const s of sessions) perVendor[String(s.vendor)] = (perVendor[String(s.vendor)] ?? 0) + 1;
    expect(perVendor).toEqual(day.expected.sessions);
    expect(sessions.every((s) => s.status === 'closed')).toBe(true);
  });

  it('raises each expected rule exactly once: out of window, shared account, file transfer, jump-host bypass, frozen vendor', async () => {
    const rules = (await documents('findings'))
      .filter((f) => f.status === 'active')
      .map((f) => String(f.rule))
      .sort();
    expect(rules).toEqual(
      ['file_transfer', 'frozen_vendor', 'jump_host_bypass', 'out_of_window', 'shared_account'].sort(),
    );
  });

  it('keeps the bad lines in the dead letters, not dropped', async () => {
    expect((await documents('deadletter')).length).toBe(day.expected.deadLetters);
  });

  it('delivers every finding and every session start and end to the webhook, one JSON line each, Japanese intact', () => {
    const lines = readFileSync(join(dir, 'alerts.log'), 'utf8').trim().split('\n');
    const alerts = lines.map(
      (l) =>
        JSON.parse(l) as {
          subject: string;
          alert: { source: string; source_id: string; state: string; rule?: string };
        },
    );
    // A finding raised while the day's events were still arriving, then withdrawn, alerts twice; what
    // counts is the last state alerted for each finding.
    const last = new Map<string, { state: string; rule?: string }>();
    for (const a of alerts.filter((x) => x.alert.source === 'finding')) last.set(a.alert.source_id, a.alert);
    const active = [...last.values()].filter((a) => a.state.startsWith('active')).map((a) => a.rule);
    expect(active.sort()).toEqual(Object.keys(day.expected.findings).sort());
    const sessions = Object.values(day.expected.sessions).reduce((a, b) => a + b, 0);
    expect(alerts.filter((a) => a.alert.source === 'notice')).toHaveLength(2 * sessions);
    expect(alerts.some((a) => a.subject.includes('承認時間外の接続'))).toBe(true);
    expect(lines.some((l) => l.includes('旧庁舎保守株式会社'))).toBe(true);
  });

  it('writes the monthly report, whose totals count the day', () => {
    const files = readdirSync(join(dir, 'report'));
    expect(files.some((f) => f.endsWith('.html'))).toBe(true);
    const summaryCsv = files.find((f) => f.startsWith('monthly-summary-'));
    expect(summaryCsv).toBeDefined();
    const text = readFileSync(join(dir, 'report', summaryCsv ?? ''), 'utf8');
    expect(text).toContain('株式会社サンプル保守');
    const ledgerCsv = files.find((f) => f.startsWith('usage-ledger-'));
    const rows = readFileSync(join(dir, 'report', ledgerCsv ?? ''), 'utf8')
      .trim()
      .split('\n');
    // A header, then one row per session of the day.
    const sessions = Object.values(day.expected.sessions).reduce((a, b) => a + b, 0);
    expect(rows.length - 1).toBe(sessions);
  });

  it('stops its pipeline on exit: the audit API it announced no longer answers', async () => {
    await expect(
      curlApi(`${summary.auditApi.url}/sessions`, 'GET', { token: summary.auditApi.token }),
    ).rejects.toThrow();
  });
});
