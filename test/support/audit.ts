// A small city month for the audit tests, seeded straight into Elasticsearch (and the registry onto Kafka),
// the way the index sink and the evidence stage would have written it: two vendors, three approvals, five
// sessions (one merged into another, one still open), five findings (one withdrawn), the events of two
// sessions and the raw records behind them (UTF-8, Shift_JIS, and one missing).
//   seedAuditScenario(h) → the scenario, indexed and refreshed; ids to assert on are in AUDIT_SCENARIO.
import { publishRegistry } from '../../collectors/ledger/publish.ts';
import { monthlyIndexFor, indexName } from '../../infra/index-templates.ts';
import type { IndexedDocument } from '../../infra/elasticsearch.ts';
import { Approval } from '../../model/approval.ts';
import type { CanonicalEvent } from '../../model/event.ts';
import { Finding } from '../../model/finding.ts';
import { RegistryRecord } from '../../model/registry.ts';
import { Session, type TimelineEntry } from '../../model/session.ts';
import { appendRecord, chainOf, EMPTY_CHAIN, type EvidenceRecord } from '../../processors/evidence/chain.ts';
import type { Harness } from './harness.ts';

const SHIFT_JIS_LINE = Buffer.from(
  // "<134>Nov 24 09:12:00 JUMP01 ログオン 成功 vnd_yamada" in Shift_JIS, as an old Japanese syslog agent sends it.
  '3c3133343e4e6f762032342030393a31323a3030204a554d50303120838d834f834983932090ac8cf720766e645f79616d616461',
  'hex',
);

/** A raw record as the evidence stage stores it. */
function evidence(
  peer: string,
  receivedAt: string,
  offset: number,
  bytes: Buffer,
  charset: 'utf-8' | 'shift_jis',
) {
  return appendRecord(chainOf('syslog', peer, receivedAt), EMPTY_CHAIN, {
    bytes,
    meta: {
      received_at: receivedAt,
      peer,
      transport: 'udp',
      charset,
      format: 'syslog',
      timezone: 'Asia/Tokyo',
    },
    origin: { topic: 'rm.raw.syslog', partition: 0, offset: String(offset), frame: 1 },
  });
}

const RAW = {
  vpnStart: evidence(
    '192.0.2.1',
    '2026-11-24T00:10:01.000Z',
    1,
    Buffer.from(
      '<166>%ASA-6-113039: Group <vendor-a> User <vnd_yamada> IP <203.0.113.5> AnyConnect parent session started.',
    ),
    'utf-8',
  ),
  gateway: evidence(
    '10.20.0.6',
    '2026-11-24T00:11:01.000Z',
    2,
    Buffer.from('{"event_id":302,"user":"CITY\\\\vnd_yamada","resource":"JUMP01","message":"接続しました"}'),
    'utf-8',
  ),
  jumpLogon: evidence('10.20.0.5', '2026-11-24T00:12:01.000Z', 3, SHIFT_JIS_LINE, 'shift_jis'),
  share: evidence(
    '10.20.0.5',
    '2026-11-24T02:30:01.000Z',
    4,
    Buffer.from('4663 \\Device\\Mup\\tsclient\\C\\持ち出し.xlsx vnd_sato'),
    'utf-8',
  ),
} satisfies Record<string, EvidenceRecord>;

/** The id of a raw record the evidence store never got. */
const MISSING_RAW = 'r-00000000000000000000000000000000';

export const AUDIT_SCENARIO = {
  vendors: { a: 'vendor-a', b: 'vendor-b' },
  vendorNames: { a: '株式会社サンプル保守', b: '北見システム保守株式会社' },
  approvals: { a: 'R-2026-0001', b: 'R-2026-0002', none: 'R-2026-0003' },
  sessions: {
    /** vendor-a, yamada, 09:10–10:40 JST on 24 Nov, FILESV01, no findings (one withdrawn). */
    yamada: 's-yamada-1124',
    /** vendor-a, sato, 11:00–13:00 JST on 24 Nov, DBSV01, overlong + file transfer. */
    sato: 's-sato-1124',
    /** vendor-b, 田中 on the generic account `hoshu`, from 13:00 JST on 25 Nov, still open, shared account. */
    tanaka: 's-tanaka-1125',
    /** vendor-b, kato, 19:00–20:00 JST on 20 Nov, no approval, through JUMP01: out of window. */
    kato: 's-kato-1120',
    /** A duplicate of sato's session, absorbed into it. */
    merged: 's-merged-1124',
  },
  findings: {
    overlong: 'f-overlong-sato',
    transfer: 'f-transfer-sato',
    shared: 'f-shared-tanaka',
    outOfWindow: 'f-oow-kato',
    withdrawn: 'f-withdrawn-yamada',
  },
  events: {
    vpnStart: 'e-yamada-1',
    gateway: 'e-yamada-2',
    jumpLogon: 'e-yamada-3',
    targetLogon: 'e-yamada-4',
    /** In the session's timeline, not (yet) in rm-events. */
    vpnEnd: 'e-yamada-5',
    satoLogon: 'e-sato-1',
    share: 'e-sato-2',
  },
  raw: { ...RAW, missing: MISSING_RAW },
  shiftJisText: '<134>Nov 24 09:12:00 JUMP01 ログオン 成功 vnd_yamada',
} as const;

const S = AUDIT_SCENARIO.sessions;
const E = AUDIT_SCENARIO.events;
const F = AUDIT_SCENARIO.findings;

function event(
  id: string,
  at: string,
  action: CanonicalEvent['event']['action'],
  dataset: string,
  fields: Partial<CanonicalEvent>,
  rawId?: string,
): CanonicalEvent {
  const e: CanonicalEvent = {
    '@timestamp': at,
    event: { id, action, outcome: 'success', dataset },
    ...fields,
  };
  if (rawId) e.raw = { id: rawId };
  return e;
}

const EVENTS: CanonicalEvent[] = [
  // Stored out of time order on purpose: the timeline sorts them.
  event(
    E.targetLogon,
    '2026-11-24T00:13:00.000Z',
    'logon',
    'windows.security',
    { host: { name: 'FILESV01.city.local' }, user: { name: 'vnd_yamada' }, source: { ip: '10.20.0.5' } },
    MISSING_RAW,
  ),
  event(
    E.vpnStart,
    '2026-11-24T00:10:00.000Z',
    'vpn_session_start',
    'vpn.cisco_asa',
    { user: { name: 'vnd_yamada' }, source: { ip: '203.0.113.5' } },
    RAW.vpnStart.id,
  ),
  event(
    E.jumpLogon,
    '2026-11-24T00:12:00.000Z',
    'rdp_logon',
    'windows.security',
    { host: { name: 'JUMP01' }, user: { name: 'vnd_yamada' }, source: { ip: '10.20.0.6' } },
    RAW.jumpLogon.id,
  ),
  event(
    E.gateway,
    '2026-11-24T00:11:00.000Z',
    'gateway_connect',
    'rdgateway',
    { host: { name: 'RDGW01' }, user: { name: 'vnd_yamada' }, destination: { domain: 'JUMP01' } },
    RAW.gateway.id,
  ),
  event(E.satoLogon, '2026-11-24T02:00:00.000Z', 'rdp_logon', 'windows.security', {
    host: { name: 'JUMP01' },
    user: { name: 'vnd_sato' },
  }),
  event(
    E.share,
    '2026-11-24T02:30:00.000Z',
    'device_redirection',
    'windows.security',
    {
      host: { name: 'JUMP01' },
      user: { name: 'vnd_sato' },
      file: { path: '\\Device\\Mup\\tsclient\\C\\持ち出し.xlsx' },
    },
    RAW.share.id,
  ),
];

const entry = (
  id: string,
  at: string,
  action: TimelineEntry['action'],
  layer: TimelineEntry['layer'],
  extra: Partial<TimelineEntry> = {},
): TimelineEntry => ({ id, at, action, outcome: 'success', layer, ...extra });

const mark = (id: string, rule: Finding['rule'], severity: Finding['severity']) => ({
  id,
  fingerprint: `${id}-v1`,
  rule,
  severity,
});

const UPDATED = '2026-11-26T00:00:00.000Z';

const SESSIONS: Session[] = [
  Session.parse({
    id: S.yamada,
    status: 'closed',
    closed_by: 'end_event',
    start: '2026-11-24T00:10:00.000Z',
    end: '2026-11-24T01:40:00.000Z',
    last_seen: '2026-11-24T01:40:00.000Z',
    established: true,
    layers: ['vpn', 'gateway', 'jump', 'target'],
    vendor: AUDIT_SCENARIO.vendors.a,
    operator: 'op-yamada',
    accounts: ['vnd_yamada'],
    vpn_user: 'vnd_yamada',
    source: { ip: '203.0.113.5' },
    gateway: 'RDGW01',
    jump_host: 'JUMP01',
    targets: ['FILESV01.city.local'],
    duration_s: 5400,
    approval_id: AUDIT_SCENARIO.approvals.a,
    evidence: [E.vpnStart, E.gateway, E.jumpLogon, E.targetLogon, E.vpnEnd],
    timeline: [
      entry(E.vpnEnd, '2026-11-24T01:40:00.000Z', 'vpn_session_end', 'vpn', { account: 'vnd_yamada' }),
      entry(E.vpnStart, '2026-11-24T00:10:00.000Z', 'vpn_session_start', 'vpn', { account: 'vnd_yamada' }),
      entry(E.gateway, '2026-11-24T00:11:00.000Z', 'gateway_connect', 'gateway', { host: 'RDGW01' }),
      entry(E.jumpLogon, '2026-11-24T00:12:00.000Z', 'rdp_logon', 'jump', { host: 'JUMP01' }),
      entry(E.targetLogon, '2026-11-24T00:13:00.000Z', 'logon', 'target', { host: 'FILESV01.city.local' }),
    ],
    updated_at: UPDATED,
  }),
  Session.parse({
    id: S.sato,
    status: 'closed',
    start: '2026-11-24T02:00:00.000Z',
    end: '2026-11-24T04:00:00.000Z',
    last_seen: '2026-11-24T04:00:00.000Z',
    established: true,
    layers: ['jump', 'target'],
    coverage_gaps: ['vpn', 'gateway'],
    vendor: AUDIT_SCENARIO.vendors.a,
    operator: 'op-sato',
    accounts: ['vnd_sato'],
    jump_host: 'JUMP01',
    targets: ['DBSV01'],
    duration_s: 7200,
    approval_id: AUDIT_SCENARIO.approvals.a,
    evidence: [E.satoLogon, E.share],
    timeline: [
      entry(E.satoLogon, '2026-11-24T02:00:00.000Z', 'rdp_logon', 'jump'),
      entry(E.share, '2026-11-24T02:30:00.000Z', 'device_redirection', 'jump'),
    ],
    findings: [mark(F.overlong, 'overlong_session', 'medium'), mark(F.transfer, 'file_transfer', 'high')],
    updated_at: UPDATED,
  }),
  Session.parse({
    id: S.tanaka,
    status: 'open',
    start: '2026-11-25T04:00:00.000Z',
    last_seen: '2026-11-25T05:00:00.000Z',
    established: true,
    layers: ['vpn', 'jump'],
    vendor: AUDIT_SCENARIO.vendors.b,
    operator: 'op-tanaka',
    accounts: ['hoshu', '田中'],
    jump_host: 'JUMP02',
    targets: ['APSV01'],
    approval_id: AUDIT_SCENARIO.approvals.b,
    findings: [mark(F.shared, 'shared_account', 'high')],
    updated_at: UPDATED,
  }),
  Session.parse({
    id: S.kato,
    status: 'closed',
    start: '2026-11-20T10:00:00.000Z',
    end: '2026-11-20T11:00:00.000Z',
    last_seen: '2026-11-20T11:00:00.000Z',
    established: true,
    layers: ['jump', 'target'],
    vendor: AUDIT_SCENARIO.vendors.b,
    operator: 'op-kato',
    accounts: ['vnd_kato'],
    jump_host: 'JUMP01',
    targets: ['MAILSV01'],
    duration_s: 3600,
    findings: [mark(F.outOfWindow, 'out_of_window', 'high')],
    updated_at: UPDATED,
  }),
  Session.parse({
    id: S.merged,
    status: 'merged',
    merged_into: S.sato,
    start: '2026-11-24T02:01:00.000Z',
    end: '2026-11-24T03:00:00.000Z',
    last_seen: '2026-11-24T03:00:00.000Z',
    layers: ['target'],
    vendor: AUDIT_SCENARIO.vendors.a,
    operator: 'op-sato',
    accounts: ['vnd_sato'],
    targets: ['DBSV01'],
    approval_id: AUDIT_SCENARIO.approvals.a,
    updated_at: UPDATED,
  }),
];

const finding = (fields: Record<string, unknown>) => {
  // The sink upserts findings without a disposition: only the audit API writes that field.
  const { disposition: _omitted, ...stored } = Finding.parse({ updated_at: UPDATED, ...fields });
  return stored;
};

const FINDINGS = [
  finding({
    id: F.overlong,
    rule: 'overlong_session',
    severity: 'medium',
    session_id: S.sato,
    evidence: [E.satoLogon],
    message: '承認された作業時間（12:00まで）を超えて接続が続きました。',
    message_en: 'The session went on past the approved window end (12:00).',
    '@timestamp': '2026-11-24T03:00:00.000Z',
    vendor: AUDIT_SCENARIO.vendors.a,
    operator: 'op-sato',
    approval_id: AUDIT_SCENARIO.approvals.a,
  }),
  finding({
    id: F.transfer,
    rule: 'file_transfer',
    severity: 'high',
    session_id: S.sato,
    subject: 'device_redirection',
    evidence: [E.share],
    message: 'ドライブのリダイレクトでファイル「持ち出し.xlsx」にアクセスしました。',
    message_en: 'A redirected drive was used to access a file.',
    '@timestamp': '2026-11-24T02:30:00.000Z',
    vendor: AUDIT_SCENARIO.vendors.a,
    operator: 'op-sato',
    account: 'vnd_sato',
    host: 'JUMP01',
    approval_id: AUDIT_SCENARIO.approvals.a,
  }),
  finding({
    id: F.shared,
    rule: 'shared_account',
    severity: 'high',
    session_id: S.tanaka,
    subject: 'hoshu',
    evidence: ['e-tanaka-1'],
    message: '共用アカウント「hoshu」が使われました。',
    message_en: 'The generic account hoshu was used.',
    '@timestamp': '2026-11-25T04:00:00.000Z',
    vendor: AUDIT_SCENARIO.vendors.b,
    operator: 'op-tanaka',
    account: 'hoshu',
    approval_id: AUDIT_SCENARIO.approvals.b,
  }),
  finding({
    id: F.outOfWindow,
    rule: 'out_of_window',
    severity: 'high',
    session_id: S.kato,
    evidence: ['e-kato-1'],
    message: '承認された作業時間外の接続です。',
    message_en: 'No approved window covers this session.',
    '@timestamp': '2026-11-20T10:00:00.000Z',
    vendor: AUDIT_SCENARIO.vendors.b,
    operator: 'op-kato',
  }),
  finding({
    id: F.withdrawn,
    rule: 'target_not_approved',
    severity: 'medium',
    session_id: S.yamada,
    status: 'withdrawn',
    evidence: [E.targetLogon],
    message: '承認されていないサーバへの接続です。',
    message_en: 'The session reached a server its approval does not list.',
    '@timestamp': '2026-11-24T00:13:00.000Z',
    vendor: AUDIT_SCENARIO.vendors.a,
    operator: 'op-yamada',
    approval_id: AUDIT_SCENARIO.approvals.a,
  }),
];

const APPROVALS: Approval[] = [
  Approval.parse({
    id: AUDIT_SCENARIO.approvals.a,
    vendor: AUDIT_SCENARIO.vendors.a,
    operators: [
      { name: '山田太郎', id: 'op-yamada', accounts: ['vnd_yamada'] },
      { name: '佐藤花子', id: 'op-sato', accounts: ['vnd_sato'] },
    ],
    targets: ['FILESV01', 'DBSV01'],
    purpose: '定期保守（月次パッチ適用）',
    window: { start: '2026-11-24T00:00:00.000Z', end: '2026-11-24T03:00:00.000Z' },
    approved_by: '情報政策課',
  }),
  Approval.parse({
    id: AUDIT_SCENARIO.approvals.b,
    vendor: AUDIT_SCENARIO.vendors.b,
    operators: [{ name: '田中一郎', id: 'op-tanaka', accounts: ['vnd_tanaka'] }],
    targets: ['APSV01'],
    purpose: '障害対応',
    window: { start: '2026-11-25T04:00:00.000Z', end: '2026-11-25T08:00:00.000Z' },
  }),
  Approval.parse({
    id: AUDIT_SCENARIO.approvals.none,
    vendor: AUDIT_SCENARIO.vendors.a,
    operators: [{ name: '山田太郎', id: 'op-yamada', accounts: ['vnd_yamada'] }],
    targets: ['FILESV01'],
    window: { start: '2026-12-01T00:00:00.000Z', end: '2026-12-01T03:00:00.000Z' },
    status: 'requested',
  }),
];

export const AUDIT_REGISTRY: RegistryRecord[] = [
  RegistryRecord.parse({
    kind: 'vendor',
    id: AUDIT_SCENARIO.vendors.a,
    name: AUDIT_SCENARIO.vendorNames.a,
    sources: ['203.0.113.0/28'],
  }),
  RegistryRecord.parse({ kind: 'vendor', id: AUDIT_SCENARIO.vendors.b, name: AUDIT_SCENARIO.vendorNames.b }),
];

export const AUDIT_COUNTS = {
  sessions: SESSIONS.length,
  findings: FINDINGS.length,
  approvals: APPROVALS.length,
  events: EVENTS.length,
};

/** Indexes the scenario into the harness's namespace (setup must have run) and publishes its registry. */
export async function seedAuditScenario(h: Harness, options: { registry?: boolean } = {}): Promise<void> {
  const c = h.config;
  const docs: IndexedDocument[] = [
    ...SESSIONS.map((s) => ({ index: indexName(c, 'sessions'), id: s.id, document: s })),
    ...FINDINGS.map((f) => ({ index: indexName(c, 'findings'), id: f.id, document: f })),
    ...APPROVALS.map((a) => ({ index: indexName(c, 'approvals'), id: a.id, document: a })),
    ...EVENTS.map((e) => ({
      index: monthlyIndexFor(c, 'events', e['@timestamp']),
      id: e.event.id,
      document: e,
    })),
    ...Object.values(RAW).map((r) => ({
      index: monthlyIndexFor(c, 'evidence', r.received_at),
      id: r.id,
      document: r,
    })),
  ];
  const result = await h.store.bulkIndex(docs, { refresh: true });
  if (result.rejected.length > 0)
    throw new Error(`seeding refused: ${result.rejected.map((r) => `${r.doc.id}: ${r.reason}`).join('; ')}`);
  if (options.registry ?? true) await publishRegistry(c, h.bus, AUDIT_REGISTRY);
}

/** Many more sessions of one vendor, for paging and export tests: `n` sessions a minute apart. */
export async function seedManySessions(h: Harness, vendor: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  const docs: IndexedDocument[] = [];
  for (let i = 0; i < n; i++) {
    const start = new Date(Date.UTC(2026, 9, 1, 0, i)).toISOString();
    const id = `s-bulk-${String(i).padStart(4, '0')}`;
    ids.push(id);
    docs.push({
      index: indexName(h.config, 'sessions'),
      id,
      document: Session.parse({
        id,
        status: 'closed',
        start,
        end: new Date(Date.parse(start) + 30_000).toISOString(),
        last_seen: start,
        layers: ['jump'],
        vendor,
        accounts: ['vnd_bulk'],
        duration_s: 30,
        updated_at: UPDATED,
      }),
    });
  }
  const result = await h.store.bulkIndex(docs, { refresh: true });
  if (result.rejected.length > 0) throw new Error(`seeding refused: ${result.rejected[0]?.reason}`);
  return ids;
}
