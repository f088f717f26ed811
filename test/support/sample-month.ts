// A hand-made month (2026-11, Japan time) for the report's tests and for trying the report out: two vendors,
// sessions inside, partly outside and without an approval, across the month's start and end, merged, open;
// findings of several rules with every disposition, one withdrawn. The expected figures below are worked out
// by hand from the times (JST = UTC+9), not by running the code.
import { parseRegistryYaml } from '../../collectors/ledger/registry-yaml.ts';
import { Approval } from '../../model/approval.ts';
import { Finding, type RuleId } from '../../model/finding.ts';
import type { RegistryRecord } from '../../model/registry.ts';
import { Session } from '../../model/session.ts';
import type { LedgerRow, MonthlySummary } from '../../processors/audit/report/build.ts';

export const SAMPLE_MONTH = '2026-11';
/** 2026-11-28 18:45:30 JST: session s6 is still open then. */
export const SAMPLE_AS_OF = '2026-11-28T09:45:30.000Z';

export const SAMPLE_REGISTRY_YAML = `
vendors:
  - { id: vendor-a, name: 株式会社サンプル保守, sources: [203.0.113.0/28] }
  - { id: vendor-b, name: 北見データサービス, sources: [198.51.100.0/28] }
operators:
  - { id: op-yamada, name: 山田太郎, vendor: vendor-a, accounts: [vnd_yamada] }
  - { id: op-sato, name: 佐藤花子, vendor: vendor-a, accounts: [vnd_sato] }
  - { id: op-suzuki, name: 鈴木一郎, vendor: vendor-b, accounts: [vnd_suzuki] }
jump_hosts: [{ name: JUMP01, ip: 10.20.0.5 }]
systems:
  - { id: sys-juki, name: 住民記録システム, hosts: [JUKI-AP01, 10.20.1.10] }
  - { id: sys-zaimu, name: 財務会計システム, hosts: [zaimu-db01.city.local] }
`;

export function sampleRegistry(): RegistryRecord[] {
  const { records, errors } = parseRegistryYaml(SAMPLE_REGISTRY_YAML);
  if (errors.length > 0) throw new Error(`sample registry: ${JSON.stringify(errors)}`);
  return records;
}

const approval = (
  id: string,
  vendor: string,
  operator: { id: string; name: string; account: string },
  purpose: string,
  start: string,
  end: string,
): Approval =>
  Approval.parse({
    id,
    vendor,
    operators: [{ id: operator.id, name: operator.name, accounts: [operator.account] }],
    targets: ['JUKI-AP01', 'zaimu-db01', '10.20.1.10'],
    purpose,
    window: { start, end },
    approved_by: '情報政策課',
  });

const YAMADA = { id: 'op-yamada', name: '山田太郎', account: 'vnd_yamada' };
const SATO = { id: 'op-sato', name: '佐藤花子', account: 'vnd_sato' };
const SUZUKI = { id: 'op-suzuki', name: '鈴木一郎', account: 'vnd_suzuki' };

export const SAMPLE_APPROVALS: Approval[] = [
  // 11/05 10:00–12:00 JST
  approval('A-001', 'vendor-a', YAMADA, 'OS月例パッチ適用', '2026-11-05T01:00:00Z', '2026-11-05T03:00:00Z'),
  // 11/10 13:00–15:00 JST
  approval(
    'A-002',
    'vendor-a',
    SATO,
    'ログ調査 <緊急>, "障害"',
    '2026-11-10T04:00:00Z',
    '2026-11-10T06:00:00Z',
  ),
  // 11/28 09:00–18:00 JST
  approval('A-004', 'vendor-b', SUZUKI, '帳票修正', '2026-11-28T00:00:00Z', '2026-11-28T09:00:00Z'),
  // 11/30 22:00 – 12/01 01:00 JST
  approval('A-003', 'vendor-b', SUZUKI, '月末バッチ監視', '2026-11-30T13:00:00Z', '2026-11-30T16:00:00Z'),
];

const session = (fields: {
  id: string;
  status?: 'open' | 'closed' | 'merged';
  start: string;
  end?: string;
  vendor: string;
  operator?: string;
  accounts: string[];
  targets: string[];
  approval_id?: string;
  merged_into?: string;
}): Session =>
  Session.parse({
    status: 'closed',
    last_seen: fields.end ?? fields.start,
    established: true,
    layers: ['vpn', 'jump', 'target'],
    jump_host: 'JUMP01',
    updated_at: fields.end ?? fields.start,
    ...fields,
  });

export const SAMPLE_SESSIONS: Session[] = [
  // Starts 10/31 23:50 JST: October's, although it ends in November.
  session({
    id: 's-oct',
    start: '2026-10-31T14:50:00Z',
    end: '2026-10-31T15:10:00Z',
    vendor: 'vendor-a',
    operator: 'op-yamada',
    accounts: ['vnd_yamada'],
    targets: ['JUKI-AP01'],
  }),
  // 11/01 00:05:00–00:35:10 JST (30 min 10 s → 31), no approval: all 31 minutes outside.
  session({
    id: 's0',
    start: '2026-10-31T15:05:00Z',
    end: '2026-10-31T15:35:10Z',
    vendor: 'vendor-a',
    operator: 'op-yamada',
    accounts: ['vnd_yamada'],
    targets: ['JUKI-AP01'],
  }),
  // 11/05 10:15–11:45 JST inside A-001 (10:00–12:00): 90 min, none outside.
  session({
    id: 's1',
    start: '2026-11-05T01:15:00Z',
    end: '2026-11-05T02:45:00Z',
    vendor: 'vendor-a',
    operator: 'op-yamada',
    accounts: ['CITY\\vnd_yamada'],
    targets: ['juki-ap01.city.local'],
    approval_id: 'A-001',
  }),
  // A duplicate of s1, absorbed into it: not reported, nor its finding.
  session({
    id: 's5',
    status: 'merged',
    merged_into: 's1',
    start: '2026-11-05T01:20:00Z',
    end: '2026-11-05T02:40:00Z',
    vendor: 'vendor-a',
    operator: 'op-yamada',
    accounts: ['vnd_yamada'],
    targets: ['JUKI-AP01'],
    approval_id: 'A-001',
  }),
  // 11/10 14:30–15:40 JST against A-002 (13:00–15:00): 70 min, 40 outside.
  session({
    id: 's2',
    start: '2026-11-10T05:30:00Z',
    end: '2026-11-10T06:40:00Z',
    vendor: 'vendor-a',
    operator: 'op-sato',
    accounts: ['vnd_sato'],
    targets: ['ZAIMU-DB01', 'FILESV02'],
    approval_id: 'A-002',
  }),
  // 11/15 20:00–20:25 JST, no approval: 25 min, all outside.
  session({
    id: 's3',
    start: '2026-11-15T11:00:00Z',
    end: '2026-11-15T11:25:00Z',
    vendor: 'vendor-b',
    operator: 'op-suzuki',
    accounts: ['vnd_suzuki'],
    targets: ['10.20.1.10'],
  }),
  // 11/28 17:30 JST, still open at 18:45:30 (75 min 30 s → 76); A-004 ends 18:00 (45 min 30 s → 46 outside).
  // The stitcher did not name the operator: the approval's operator with that account does.
  session({
    id: 's6',
    status: 'open',
    start: '2026-11-28T08:30:00Z',
    vendor: 'vendor-b',
    accounts: ['vnd_suzuki@city.local'],
    targets: ['JUKI-AP01'],
    approval_id: 'A-004',
  }),
  // 11/30 23:30 – 12/01 01:30 JST: November's, whole (120 min); A-003 ends 01:00, 30 outside.
  session({
    id: 's4',
    start: '2026-11-30T14:30:00Z',
    end: '2026-11-30T16:30:00Z',
    vendor: 'vendor-b',
    operator: 'op-suzuki',
    accounts: ['vnd_suzuki'],
    targets: ['zaimu-db01'],
    approval_id: 'A-003',
  }),
];

type DispositionStatus = Finding['disposition']['status'];

const finding = (
  id: string,
  session_id: string,
  rule: RuleId,
  disposition?: DispositionStatus,
  status: 'active' | 'withdrawn' = 'active',
): Finding =>
  Finding.parse({
    id,
    rule,
    severity: 'high',
    session_id,
    status,
    evidence: [`e-${id}`],
    message: `${rule} の指摘`,
    message_en: `${rule} finding`,
    '@timestamp': '2026-11-20T00:00:00Z',
    updated_at: '2026-11-20T00:00:00Z',
    ...(disposition ? { disposition: { status: disposition, by: 'security-officer' } } : {}),
  });

export const SAMPLE_FINDINGS: Finding[] = [
  finding('f-oct', 's-oct', 'out_of_window'),
  finding('f11', 's0', 'out_of_window', 'resolved'),
  // Withdrawn: an approval was found to cover it after all.
  finding('f1', 's1', 'out_of_window', undefined, 'withdrawn'),
  finding('f8', 's5', 'shared_account'),
  finding('f2', 's2', 'overlong_session', 'acknowledged'),
  finding('f3', 's2', 'file_transfer'),
  finding('f4', 's2', 'file_transfer', 'resolved'),
  finding('f5', 's3', 'out_of_window'),
  finding('f6', 's3', 'jump_host_bypass', 'false_positive'),
  finding('f10', 's6', 'out_of_window'),
  finding('f7', 's4', 'overlong_session'),
];

const row = (fields: Omit<LedgerRow, 'state'> & { state?: LedgerRow['state'] }): LedgerRow => ({
  state: 'closed',
  ...fields,
});

/** The usage ledger of 2026-11, all vendors and systems, as worked out by hand. */
export const EXPECTED_LEDGER: LedgerRow[] = [
  row({
    session_id: 's0',
    date: '2026-11-01',
    vendor_id: 'vendor-a',
    vendor: '株式会社サンプル保守',
    operator: '山田太郎',
    accounts: ['vnd_yamada'],
    purpose: '',
    systems: ['住民記録システム'],
    start: '2026-11-01 00:05',
    end: '2026-11-01 00:35',
    start_utc: '2026-10-31T15:05:00.000Z',
    end_utc: '2026-10-31T15:35:10.000Z',
    minutes: 31,
    out_of_window_minutes: 31,
    approval_id: '',
    findings: [{ rule: 'out_of_window', count: 1 }],
    finding_count: 1,
  }),
  row({
    session_id: 's1',
    date: '2026-11-05',
    vendor_id: 'vendor-a',
    vendor: '株式会社サンプル保守',
    operator: '山田太郎',
    accounts: ['CITY\\vnd_yamada'],
    purpose: 'OS月例パッチ適用',
    systems: ['住民記録システム'],
    start: '2026-11-05 10:15',
    end: '2026-11-05 11:45',
    start_utc: '2026-11-05T01:15:00.000Z',
    end_utc: '2026-11-05T02:45:00.000Z',
    minutes: 90,
    out_of_window_minutes: 0,
    approval_id: 'A-001',
    findings: [],
    finding_count: 0,
  }),
  row({
    session_id: 's2',
    date: '2026-11-10',
    vendor_id: 'vendor-a',
    vendor: '株式会社サンプル保守',
    operator: '佐藤花子',
    accounts: ['vnd_sato'],
    purpose: 'ログ調査 <緊急>, "障害"',
    systems: ['財務会計システム', 'FILESV02'],
    start: '2026-11-10 14:30',
    end: '2026-11-10 15:40',
    start_utc: '2026-11-10T05:30:00.000Z',
    end_utc: '2026-11-10T06:40:00.000Z',
    minutes: 70,
    out_of_window_minutes: 40,
    approval_id: 'A-002',
    findings: [
      { rule: 'file_transfer', count: 2 },
      { rule: 'overlong_session', count: 1 },
    ],
    finding_count: 3,
  }),
  row({
    session_id: 's3',
    date: '2026-11-15',
    vendor_id: 'vendor-b',
    vendor: '北見データサービス',
    operator: '鈴木一郎',
    accounts: ['vnd_suzuki'],
    purpose: '',
    systems: ['住民記録システム'],
    start: '2026-11-15 20:00',
    end: '2026-11-15 20:25',
    start_utc: '2026-11-15T11:00:00.000Z',
    end_utc: '2026-11-15T11:25:00.000Z',
    minutes: 25,
    out_of_window_minutes: 25,
    approval_id: '',
    findings: [
      { rule: 'out_of_window', count: 1 },
      { rule: 'jump_host_bypass', count: 1 },
    ],
    finding_count: 2,
  }),
  row({
    session_id: 's6',
    date: '2026-11-28',
    vendor_id: 'vendor-b',
    vendor: '北見データサービス',
    operator: '鈴木一郎',
    accounts: ['vnd_suzuki@city.local'],
    purpose: '帳票修正',
    systems: ['住民記録システム'],
    start: '2026-11-28 17:30',
    end: '',
    start_utc: '2026-11-28T08:30:00.000Z',
    state: 'open',
    minutes: 76,
    out_of_window_minutes: 46,
    approval_id: 'A-004',
    findings: [{ rule: 'out_of_window', count: 1 }],
    finding_count: 1,
  }),
  row({
    session_id: 's4',
    date: '2026-11-30',
    vendor_id: 'vendor-b',
    vendor: '北見データサービス',
    operator: '鈴木一郎',
    accounts: ['vnd_suzuki'],
    purpose: '月末バッチ監視',
    systems: ['財務会計システム'],
    start: '2026-11-30 23:30',
    end: '2026-12-01 01:30',
    start_utc: '2026-11-30T14:30:00.000Z',
    end_utc: '2026-11-30T16:30:00.000Z',
    minutes: 120,
    out_of_window_minutes: 30,
    approval_id: 'A-003',
    findings: [{ rule: 'overlong_session', count: 1 }],
    finding_count: 1,
  }),
];

/** The monthly summary of 2026-11, all vendors and systems, as worked out by hand. */
export const EXPECTED_SUMMARY: MonthlySummary = {
  sessions: 6,
  open_sessions: 1,
  sessions_without_approval: 2,
  // 31 + 90 + 70 + 25 + 76 + 120
  minutes: 412,
  // 31 + 0 + 40 + 25 + 46 + 30
  out_of_window_minutes: 172,
  // Eight active findings: f-oct is October's, f1 withdrawn, f8 on the merged session.
  findings: 8,
  by_rule: [
    { rule: 'out_of_window', total: 3, open: 2, acknowledged: 0, false_positive: 0, resolved: 1 },
    { rule: 'file_transfer', total: 2, open: 1, acknowledged: 0, false_positive: 0, resolved: 1 },
    { rule: 'jump_host_bypass', total: 1, open: 0, acknowledged: 0, false_positive: 1, resolved: 0 },
    { rule: 'overlong_session', total: 2, open: 1, acknowledged: 1, false_positive: 0, resolved: 0 },
  ],
  dispositions: { open: 4, acknowledged: 1, false_positive: 1, resolved: 2 },
  by_vendor: [
    {
      vendor_id: 'vendor-a',
      vendor: '株式会社サンプル保守',
      sessions: 3,
      minutes: 191,
      out_of_window_minutes: 71,
      findings: 4,
    },
    {
      vendor_id: 'vendor-b',
      vendor: '北見データサービス',
      sessions: 3,
      minutes: 221,
      out_of_window_minutes: 101,
      findings: 4,
    },
  ],
};
