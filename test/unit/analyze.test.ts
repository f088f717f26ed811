// `rmwatch analyze` (DESIGN.md §8): log files a vendor handed over, the approvals CSV and the registry YAML
// in; one finding per line out — the same normaliser, stitcher and rules as the pipeline, deterministic.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Finding, Session } from '../../model/index.ts';
import { REGISTRY_YAML, visit } from '../support/city.ts';
import { REPO_ROOT } from '../support/harness.ts';
import { Scenario } from '../support/scenario.ts';

const CORPUS = join(REPO_ROOT, '..', 'shared', 'corpus');
const dir = mkdtempSync(join(tmpdir(), 'rmwatch-analyze-'));

function analyze(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['cli/rmwatch.mjs', 'analyze', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// What the vendor handed over: the router's syslog and the Windows hosts' events, as exported.
const s = visit(new Scenario(), {
  at: '2026-11-24 09:01',
  server: { name: 'DB01.city.local', ip: '10.20.1.22' },
});
visit(s, {
  at: '2026-11-24 21:30',
  user: 'vnd_sato',
  from: '203.0.113.6',
  assigned: '10.99.0.13',
  logonId: '0x4b',
});
const syslog = join(dir, 'asa.log');
const events = join(dir, 'windows.xml');
writeFileSync(
  syslog,
  s.lines
    .filter((l) => l.format === 'syslog')
    .map((l) => `${l.text}\n`)
    .join(''),
);
writeFileSync(
  events,
  `<Events>\n${s.lines
    .filter((l) => l.format === 'evtxml')
    .map((l) => l.text)
    .join('\n')}\n</Events>\n`,
);
const registry = join(dir, 'registry.yaml');
writeFileSync(registry, REGISTRY_YAML);
// The approvals as the city keeps them: Excel's CSV, Japanese headers, Shift_JIS; row 3 is broken.
const csv = [
  '申請番号,事業者,作業者,アカウント,対象サーバ,作業目的,開始日時,終了日時,接続元,承認者,状態',
  'R-2026-0101,株式会社サンプル保守,山田太郎,vnd_yamada,APP01,障害対応（帳票出力不具合）,2026/11/24 9:00,2026/11/24 12:00,,情報政策課長,承認',
  'R-2026-0102,株式会社サンプル保守,佐藤花子,vnd_sato,APP01,定期保守,2026-11-24 25:00,2026-11-24 12:00,,情報政策課長,承認',
].join('\r\n');
const approvals = join(dir, 'approvals.csv');
writeFileSync(approvals, spawnSync('iconv', ['-f', 'UTF-8', '-t', 'SHIFT_JIS'], { input: csv }).stdout);

// Each case starts the command line (a few seconds of TypeScript loading on this machine).
describe('rmwatch analyze', { timeout: 60_000 }, () => {
  const args = ['--approvals', approvals, '--registry', registry, '--year', '2026'];

  it('prints one finding per line, with rule, severity, session, evidence and message', () => {
    const r = analyze([...args, syslog, events]);
    expect(r.code).toBe(0);
    const findings = r.stdout
      .trim()
      .split('\n')
      .map((l) => Finding.parse(JSON.parse(l)));
    expect(findings.map((f) => `${f.rule}${f.subject ? `:${f.subject}` : ''}`).sort()).toEqual([
      'out_of_window',
      'target_not_approved:host:db01',
      'unreported_session',
    ]);
    for (const f of findings) expect(f.evidence.length).toBeGreaterThan(0);
    expect(findings.find((f) => f.rule === 'target_not_approved')?.message).toContain('山田太郎');
    // The broken approvals row is reported with its row number; the good one still counts.
    expect(r.stderr).toMatch(/row 3: /);
  });

  it('is deterministic: the same files, in any order, give the same output byte for byte', () => {
    const a = analyze([...args, syslog, events]);
    const b = analyze([...args, events, syslog]);
    expect(b.stdout).toBe(a.stdout);
  });

  it('writes the sessions when asked', () => {
    const out = join(dir, 'sessions.jsonl');
    analyze([...args, '--sessions', out, syslog, events]);
    const sessions = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => Session.parse(JSON.parse(l)));
    expect(sessions.map((x) => [x.vpn_user, x.layers.length, x.approval_id])).toEqual([
      ['vnd_yamada', 4, 'R-2026-0101'],
      ['vnd_sato', 4, undefined],
    ]);
  });

  it('reads the real corpus without failing: the RD Gateway sample is a generic account from the internet', () => {
    const r = analyze([
      '--registry',
      registry,
      join(CORPUS, 'rdgateway/hayabusa-sample-evtx/ID302_RDS_Gateway_Logon_Logoff.evtx'),
      join(CORPUS, 'vpn/cisco-asa/elastic-integrations/test-anyconnect-messages.log'),
    ]);
    expect(r.code).toBe(0);
    const rules = new Set(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { rule: string }).rule),
    );
    expect([...rules]).toEqual(
      expect.arrayContaining(['out_of_window', 'shared_account', 'unregistered_source']),
    );
  });

  it('a registry that cannot be read is a usage error, not a crash', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'vendors: [ { id: 1 } ]\nunknown_key: 1\n');
    const r = analyze(['--registry', bad, syslog]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rmwatch: .*bad\.yaml/);
  });
});
